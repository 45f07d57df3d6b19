/** `r3mes testnet manifests`: a multi-host testnet as Kubernetes manifests (src/testnet/manifests.ts). */
import * as path from "node:path";
import { Effect, Option } from "effect";
import { Command, Flag } from "effect/cli";
import {
  DEFAULT_IMAGE,
  DEFAULT_KUBO_IMAGE,
  namesOf,
  writeManifests,
} from "../../testnet/manifests.ts";
import { userFailure } from "../errors.ts";
import { testnetShapeFlags } from "./testnet-flags.ts";

export const manifestsCommand = Command.make(
  "manifests",
  {
    validators: Flag.Int("validators").pipe(
      Flag.withDescription(
        "Validator pods (app + CometBFT + validator duty daemon each): a StatefulSet",
      ),
      Flag.withDefault(4),
    ),
    ...testnetShapeFlags,
    params: Flag.String("params").pipe(
      Flag.withDescription("Protocol parameter overrides as protobuf JSON (as testnet up)"),
      Flag.optional,
    ),
    image: Flag.String("image").pipe(
      Flag.withDescription("The r3mes image (r3mes and cometbft on its PATH, and sh)"),
      Flag.withDefault(DEFAULT_IMAGE),
    ),
    kuboImage: Flag.String("kubo-image").pipe(
      Flag.withDescription("Kubo's image"),
      Flag.withDefault(DEFAULT_KUBO_IMAGE),
    ),
    namespace: Flag.String("namespace").pipe(
      Flag.withDescription("Namespace of every object (made by the manifests unless 'default')"),
      Flag.withDefault("r3mes"),
    ),
    storage: Flag.String("storage").pipe(
      Flag.withDescription("Volume of each validator pod, and Kubo's"),
      Flag.withDefault("10Gi"),
    ),
    daemonStorage: Flag.String("daemon-storage").pipe(
      Flag.withDescription("Volume of each role daemon pod (its key and state)"),
      Flag.withDefault("1Gi"),
    ),
    name: Flag.String("name").pipe(
      Flag.withDescription("Prefix of every object's name"),
      Flag.withDefault("r3mes"),
    ),
    out: Flag.String("out").pipe(
      Flag.withDescription("Folder to write the manifests (and keys/, the keyring) into"),
      Flag.withDefault("testnet-k8s"),
    ),
  },
  (f) =>
    Effect.tryPromise({
      try: async () => {
        const { files, chain } = await writeManifests(
          {
            validators: f.validators,
            miners: f.miners,
            proposers: f.proposers,
            lazy: f.lazy,
            blockTimeMs: f.blockTimeMs,
            trainMs: f.trainMs,
            snapshotInterval: f.snapshotInterval,
            ...(Option.isSome(f.params)
              ? { params: JSON.parse(f.params.value) as Record<string, never> }
              : {}),
            image: f.image,
            kuboImage: f.kuboImage,
            namespace: f.namespace,
            storage: f.storage,
            daemonStorage: f.daemonStorage,
            name: f.name,
          },
          f.out,
        );
        const n = namesOf(f.name);
        console.log(
          [
            `testnet ${chain.chainId}: ${f.validators} validators, ${f.miners} miners (${f.lazy} lazy), ${f.proposers} proposers`,
            ...files.map((x) => `  ${x}`),
            `keys:   ${path.join(f.out, "keys")} (r3mes keys list --keyring-dir ${path.join(f.out, "keys", "keyring")})`,
            `run it: kubectl apply -f ${f.out}`,
            `        kubectl -n ${f.namespace} rollout status statefulset/${n.validators}`,
            `        kubectl -n ${f.namespace} port-forward svc/${n.rpc} 26657   # then curl localhost:26657/status`,
          ].join("\n"),
        );
      },
      catch: userFailure("testnet manifests"),
    }),
).pipe(
  Command.withDescription(
    "Write a multi-host testnet as Kubernetes manifests: keys and genesis made once (as testnet up), Secrets, a ConfigMap, Services, a StatefulSet of validators, Kubo and the role daemons; apply with kubectl apply -f DIR",
  ),
  Command.withExamples([
    {
      command: "r3mes testnet manifests --validators 4 --out k8s",
      description: "4 validators, 8 miners (2 lazy), 2 proposers, Kubo, in namespace r3mes",
    },
    {
      command:
        "r3mes testnet manifests --validators 100 --miners 200 --lazy 20 --image localhost:5000/r3mes:1 --storage 50Gi --out k8s-100",
      description: "The same for 100 validators",
    },
  ]),
);
