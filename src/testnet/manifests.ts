/**
 * `r3mes testnet manifests`: a multi-host testnet as Kubernetes objects.
 * Keys and genesis are made once, here, by the same code as `testnet up`
 * (testnetGenesis); the objects carry them to the cluster:
 *
 * - Secrets: every validator's consensus and node key (one Secret, a key per
 *   ordinal: each pod's init container copies only its own), the encrypted
 *   keyring of every account (no mnemonic in clear) and its passphrase.
 * - ConfigMap: genesis.json, the shared config.toml and app.toml, the peer
 *   list and the pods' scripts (pod-scripts.ts).
 * - Services: a headless one for P2P (stable per-pod DNS names, the
 *   persistent peers), one for RPC, a headless one CometBFT's metrics are
 *   scraped through (Prometheus annotations), Kubo's.
 * - A StatefulSet of validators (app + CometBFT + the validator duty daemon
 *   per pod, a volume per pod), Kubo (Deployment + claim), and the role
 *   daemons as StatefulSets with replicas = counts: each replica signs with
 *   its own registered account, which a Deployment (interchangeable pods)
 *   can not give it; the ordinal picks the key.
 *
 * Object literals are typed with kubernetes-models' interfaces (erased at
 * run time), as src/sim/k8s-job.ts.
 */
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { JsonValue } from "@bufbuild/protobuf";
import { ed25519 } from "@noble/curves/ed25519.js";
import type { IStatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import type { IConfigMap } from "kubernetes-models/v1/ConfigMap";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IEnvVar } from "kubernetes-models/v1/EnvVar";
import type { INamespace } from "kubernetes-models/v1/Namespace";
import type { IPersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import type { ISecret } from "kubernetes-models/v1/Secret";
import type { IService } from "kubernetes-models/v1/Service";
import { defaultMinGasPrice } from "../node/home.ts";
import { toYaml } from "../sim/yaml.ts";
import { appConfigPath, writeAppConfig } from "../node/run.ts";
import { COMET_SH, DAEMON_SH, INIT_SH, KUBO_INIT_SH } from "./pod-scripts.ts";
import {
  DEFAULT_SNAPSHOT_INTERVAL,
  keyringDirOf,
  passphraseFileOf,
  testnetKeyring,
} from "./state.ts";
import { testnetGenesis } from "./up.ts";

export interface ManifestOptions {
  readonly validators: number;
  readonly miners: number;
  readonly proposers: number;
  readonly lazy: number;
  readonly blockTimeMs: number;
  readonly trainMs: number;
  readonly training?: "simulated" | "kernels";
  readonly params?: Record<string, JsonValue>;
  readonly image: string;
  readonly kuboImage: string;
  readonly namespace: string;
  /** Each validator's volume (CometBFT and app data). */
  readonly storage: string;
  /** Each role daemon's volume (its keyring key and state) and Kubo's is `storage`. */
  readonly daemonStorage: string;
  /** Prefix of every object's name (default r3mes). */
  readonly name: string;
  /** Blocks between the apps' state-sync snapshots (default 50). */
  readonly snapshotInterval?: number;
}

export const DEFAULT_IMAGE = "localhost/r3mes:latest";
export const DEFAULT_KUBO_IMAGE = "ipfs/kubo:v0.42.0";

/** The ports every validator pod uses (each pod has its own IP, so they are fixed). */
export const PORTS = { p2p: 26656, rpc: 26657, cometMetrics: 26660, appMetrics: 26661 } as const;
const KUBO_PORTS = { api: 5001, gateway: 8080, swarm: 4001 } as const;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** One CometBFT ed25519 key as its JSON files hold it. */
export interface CometKey {
  /** Upper-case hex of the first 20 bytes of sha256(pubkey): the validator address. */
  readonly address: string;
  readonly pubKey: string;
  readonly privKey: string;
}

/** A fresh CometBFT ed25519 key, or the one of `seed` (32 bytes). */
export const cometKey = (seed: Uint8Array = ed25519.utils.randomSecretKey()): CometKey => {
  const pub = ed25519.getPublicKey(seed);
  return {
    address: createHash("sha256")
      .update(pub)
      .digest()
      .subarray(0, 20)
      .toString("hex")
      .toUpperCase(),
    pubKey: Buffer.from(pub).toString("base64"),
    // CometBFT's PrivKeyEd25519 is the seed followed by the public key.
    privKey: Buffer.concat([seed, pub]).toString("base64"),
  };
};

export const privValidatorKeyJson = (k: CometKey): string =>
  `${JSON.stringify(
    {
      address: k.address,
      pub_key: { type: "tendermint/PubKeyEd25519", value: k.pubKey },
      priv_key: { type: "tendermint/PrivKeyEd25519", value: k.privKey },
    },
    null,
    2,
  )}\n`;

const nodeKeyJson = (k: CometKey): string =>
  `${JSON.stringify({ priv_key: { type: "tendermint/PrivKeyEd25519", value: k.privKey } })}\n`;

/** What a node key's ID is: lower-case hex of the same 20 bytes. */
export const nodeIdOf = (k: CometKey): string => k.address.toLowerCase();

/** Keys and genesis, made once for the whole network. */
export interface ChainMaterial {
  readonly chainId: string;
  readonly worldSeed: string;
  readonly genesisText: string;
  readonly appToml: string;
  readonly validators: readonly {
    readonly nodeId: string;
    readonly privValidatorKey: string;
    readonly nodeKey: string;
  }[];
  /** Keyring file name → its text (encrypted). */
  readonly keyringFiles: Readonly<Record<string, string>>;
  readonly passphrase: string;
}

/** Keyring names: the ordinal of the pod is appended (val3, miner0, lazyminer1, proposer2). */
export const KEY_PREFIX = {
  validator: "val",
  miner: "miner",
  lazyMiner: "lazyminer",
  proposer: "proposer",
} as const;

const checkOptions = (o: ManifestOptions): void => {
  if (
    !Number.isSafeInteger(o.validators) ||
    o.validators < 1 ||
    o.miners < 0 ||
    o.proposers < 0 ||
    o.lazy < 0 ||
    o.lazy > o.miners
  )
    throw new Error("need at least 1 validator, and --lazy at most --miners");
  // The longest object name is NAME-lazy-miner; a StatefulSet's name must leave room for the pod's revision label.
  if (!DNS_LABEL.test(o.name) || o.name.length > 30)
    throw new Error(
      `--name ${o.name}: a DNS-1123 label (lower-case letters, digits, '-') of at most 30 characters`,
    );
  if (!DNS_LABEL.test(o.namespace) || o.namespace.length > 63)
    throw new Error(`--namespace ${o.namespace}: a DNS-1123 label of at most 63 characters`);
};

/** The accounts' keys: addresses in the order asked, the keyring's files (name → text) and its passphrase. */
export interface AccountKeys {
  readonly addresses: readonly string[];
  readonly files: Readonly<Record<string, string>>;
  readonly passphrase: string;
}
export type MakeAccounts = (names: readonly string[], keysDir: string) => Promise<AccountKeys>;

/**
 * An encrypted keyring in keysDir/keyring, its passphrase in
 * keysDir/keyring-passphrase: the layout of a `testnet up` folder, so
 * `r3mes keys list --keyring-dir keysDir/keyring` works.
 */
export const keyringAccounts: MakeAccounts = async (names, keysDir) => {
  if (fs.existsSync(keyringDirOf(keysDir)))
    throw new Error(
      `${keysDir} already holds a keyring: these manifests would be a new chain with new keys; pick another --out`,
    );
  fs.mkdirSync(keysDir, { recursive: true, mode: 0o700 });
  const keyring = testnetKeyring(keysDir);
  const passphrase = randomBytes(16).toString("hex");
  fs.writeFileSync(passphraseFileOf(keysDir), `${passphrase}\n`, { mode: 0o600 });
  // The first key sets the keyring's passphrase; the rest are made a few at a time (scrypt and PBKDF2 run off the main thread).
  const addresses: string[] = [(await keyring.add(names[0]!, passphrase)).address];
  for (let at = 1; at < names.length; at += 8)
    addresses.push(
      ...(await Promise.all(
        names.slice(at, at + 8).map(async (k) => (await keyring.add(k, passphrase)).address),
      )),
    );
  const files = Object.fromEntries(
    keyring
      .list()
      .keys.map((k) => [path.basename(k.file), fs.readFileSync(k.file, "utf8")] as const),
  );
  return { addresses, files, passphrase };
};

/** Makes every key (consensus, node, accounts) and the genesis. */
export const generateChain = async (
  o: ManifestOptions,
  keysDir: string,
  makeAccounts: MakeAccounts = keyringAccounts,
): Promise<ChainMaterial> => {
  checkOptions(o);
  const names = [
    ...Array.from({ length: o.validators }, (_, i) => `${KEY_PREFIX.validator}${i}`),
    ...Array.from({ length: o.miners - o.lazy }, (_, i) => `${KEY_PREFIX.miner}${i}`),
    ...Array.from({ length: o.lazy }, (_, i) => `${KEY_PREFIX.lazyMiner}${i}`),
    ...Array.from({ length: o.proposers }, (_, i) => `${KEY_PREFIX.proposer}${i}`),
  ];
  const accounts = await makeAccounts(names, keysDir);
  const address = accounts.addresses;
  const operators = address.slice(0, o.validators);
  const miners = address.slice(o.validators, o.validators + o.miners);
  const proposers = address.slice(o.validators + o.miners);
  const consensus = Array.from({ length: o.validators }, () => ({
    priv: cometKey(),
    node: cometKey(),
  }));
  const chainId = `r3mes-testnet-${randomBytes(3).toString("hex")}`;
  const worldSeed = randomBytes(32).toString("hex");
  const genesisText = testnetGenesis(
    // CometBFT's defaults as `cometbft init` writes them (v0.38).
    {
      genesis_time: "",
      chain_id: "",
      initial_height: "0",
      consensus_params: {
        block: { max_bytes: "22020096", max_gas: "-1" },
        evidence: {
          max_age_num_blocks: "100000",
          max_age_duration: "172800000000000",
          max_bytes: "1048576",
        },
        validator: { pub_key_types: ["ed25519"] },
        version: { app: "0" },
        abci: { vote_extensions_enable_height: "0" },
      },
      app_hash: "",
    },
    {
      chainId,
      worldSeed,
      trainMs: o.trainMs,
      ...(o.training ? { training: o.training } : {}),
      ...(o.params ? { params: o.params } : {}),
      accounts: [...operators, ...miners, ...proposers],
      validators: consensus.map((c, i) => ({
        name: `${o.name}-val-${i}`,
        operator: operators[i]!,
        address: c.priv.address,
        pub_key: { type: "tendermint/PubKeyEd25519", value: c.priv.pubKey },
      })),
      miners,
      proposers,
    },
  );
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "r3mes-apptoml-"));
  let appToml: string;
  try {
    fs.mkdirSync(path.join(tmp, "config"));
    writeAppConfig(tmp, defaultMinGasPrice);
    appToml = fs.readFileSync(appConfigPath(tmp), "utf8");
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return {
    chainId,
    worldSeed,
    genesisText,
    appToml,
    validators: consensus.map((c) => ({
      nodeId: nodeIdOf(c.node),
      privValidatorKey: privValidatorKeyJson(c.priv),
      nodeKey: nodeKeyJson(c.node),
    })),
    keyringFiles: accounts.files,
    passphrase: accounts.passphrase,
  };
};

/** The config.toml every validator shares (CometBFT's defaults fill the rest); per pod: moniker, peers, socket (comet.sh). */
export const configToml = (blockTimeMs: number): string =>
  [
    // The app reads where to listen from here too (pods' fixed path; comet.sh passes the same).
    `proxy_app = "unix:///data/home/abci.sock"`,
    `log_level = "info"`,
    ``,
    `[rpc]`,
    `laddr = "tcp://0.0.0.0:${PORTS.rpc}"`,
    ``,
    `[p2p]`,
    `laddr = "tcp://0.0.0.0:${PORTS.p2p}"`,
    // Pod addresses are private (10.x): a strict address book would refuse them.
    `addr_book_strict = false`,
    `allow_duplicate_ip = true`,
    `pex = false`,
    `persistent_peers_max_dial_period = "2s"`,
    ``,
    `[consensus]`,
    `timeout_commit = "${blockTimeMs}ms"`,
    `timeout_propose = "1s"`,
    ``,
    `[tx_index]`,
    `indexer = "kv"`,
    ``,
    `[instrumentation]`,
    `prometheus = true`,
    `prometheus_listen_addr = ":${PORTS.cometMetrics}"`,
    ``,
  ].join("\n");

export type KubeObject =
  | INamespace
  | ISecret
  | IConfigMap
  | IService
  | IPersistentVolumeClaim
  | IDeployment
  | IStatefulSet;

/** The manifests, one file per stage, in the order `kubectl apply -f DIR` reads them (by name). */
export interface ManifestFiles {
  readonly [file: string]: readonly KubeObject[];
}

/** Names of the objects, from the prefix. */
export const namesOf = (prefix: string) => ({
  validators: `${prefix}-val`,
  p2p: `${prefix}-p2p`,
  rpc: `${prefix}-rpc`,
  metrics: `${prefix}-metrics`,
  chain: `${prefix}-chain`,
  consensusKeys: `${prefix}-consensus-keys`,
  keyring: `${prefix}-keyring`,
  passphrase: `${prefix}-keyring-passphrase`,
  kubo: `${prefix}-kubo`,
  kuboInit: `${prefix}-kubo-init`,
  miners: `${prefix}-miner`,
  lazyMiners: `${prefix}-lazy-miner`,
  proposers: `${prefix}-proposer`,
});

/** `ORDINAL NODEID@HOST:PORT` per validator: comet.sh makes the persistent peers from it. */
export const peersFile = (o: ManifestOptions, c: ChainMaterial): string => {
  const n = namesOf(o.name);
  return c.validators
    .map(
      (v, i) =>
        `${i} ${v.nodeId}@${n.validators}-${i}.${n.p2p}.${o.namespace}.svc.cluster.local:${PORTS.p2p}\n`,
    )
    .join("");
};

export const manifestObjects = (o: ManifestOptions, c: ChainMaterial): ManifestFiles => {
  checkOptions(o);
  const n = namesOf(o.name);
  const ns = o.namespace;
  const meta = (name: string, component: string, extra: Record<string, unknown> = {}) => ({
    name,
    namespace: ns,
    labels: labels(component),
    ...extra,
  });
  const labels = (component: string): Record<string, string> => ({
    "app.kubernetes.io/name": "r3mes",
    "app.kubernetes.io/instance": o.name,
    "app.kubernetes.io/component": component,
    "r3mes/chain-id": c.chainId,
  });
  const selector = (component: string) => ({
    "app.kubernetes.io/instance": o.name,
    "app.kubernetes.io/component": component,
  });
  const p2pDomain = `${n.p2p}.${ns}.svc.cluster.local`;
  const podSecurity = { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 };
  const containerSecurity = {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
  };
  const env = (vars: Record<string, string>): IEnvVar[] =>
    Object.entries(vars).map(([name, value]) => ({ name, value }));
  const passphraseEnv: IEnvVar = {
    // keys.md: a daemon under a supervisor takes the keyring passphrase from the environment.
    name: "R3MES_KEYRING_PASSPHRASE",
    valueFrom: { secretKeyRef: { name: n.passphrase, key: "passphrase" } },
  };
  const chainVolume = {
    name: "chain",
    configMap: { name: n.chain, defaultMode: 0o444 },
  };
  const secretVolumes = [
    { name: "consensus-keys", secret: { secretName: n.consensusKeys, defaultMode: 0o400 } },
    { name: "keyring", secret: { secretName: n.keyring, defaultMode: 0o400 } },
  ];
  const initContainer = (role: string, prefix: string, consensus: boolean): IContainer => ({
    name: "init",
    image: o.image,
    imagePullPolicy: "IfNotPresent",
    command: ["sh", "/chain/init.sh"],
    env: env({ R3MES_ROLE: role, R3MES_KEY_PREFIX: prefix }),
    volumeMounts: [
      { name: "data", mountPath: "/data" },
      { name: "chain", mountPath: "/chain", readOnly: true },
      ...(consensus
        ? [{ name: "consensus-keys", mountPath: "/secrets/consensus", readOnly: true }]
        : []),
      { name: "keyring", mountPath: "/secrets/keyring", readOnly: true },
    ],
    securityContext: containerSecurity,
  });
  const daemonEnv = (role: string, prefix: string, offset: number): IEnvVar[] => [
    ...env({
      R3MES_ROLE: role,
      R3MES_KEY_PREFIX: prefix,
      R3MES_NODE_OFFSET: String(offset),
      R3MES_VALIDATORS: String(o.validators),
      R3MES_VALIDATOR_SET: n.validators,
      R3MES_P2P_DOMAIN: p2pDomain,
      R3MES_STORE: `kubo:http://${n.kubo}.${ns}.svc.cluster.local:${KUBO_PORTS.api}`,
      R3MES_WORLD_SEED: c.worldSeed,
      R3MES_BLOCK_TIME_MS: String(o.blockTimeMs),
      R3MES_TRAIN_MS: String(o.trainMs),
    }),
    passphraseEnv,
  ];
  const daemonContainer = (
    role: string,
    prefix: string,
    offset: number,
    args: string[],
  ): IContainer => ({
    name: role,
    image: o.image,
    imagePullPolicy: "IfNotPresent",
    command: ["sh", "/chain/daemon.sh"],
    args,
    env: daemonEnv(role, prefix, offset),
    volumeMounts: [
      { name: "data", mountPath: "/data" },
      { name: "chain", mountPath: "/chain", readOnly: true },
    ],
    resources: { requests: { cpu: "100m", memory: "256Mi" } },
    securityContext: containerSecurity,
  });

  const namespace: INamespace[] =
    ns === "default"
      ? []
      : [
          {
            apiVersion: "v1",
            kind: "Namespace",
            metadata: { name: ns, labels: labels("testnet") },
          },
        ];

  const consensusKeys: ISecret = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: meta(n.consensusKeys, "validator"),
    type: "Opaque",
    stringData: Object.fromEntries(
      c.validators.flatMap((v, i) => [
        [`priv_validator_key-${i}.json`, v.privValidatorKey],
        [`node_key-${i}.json`, v.nodeKey],
      ]),
    ),
  };
  const keyring: ISecret = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: meta(n.keyring, "keyring"),
    type: "Opaque",
    stringData: { ...c.keyringFiles },
  };
  const passphrase: ISecret = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: meta(n.passphrase, "keyring"),
    type: "Opaque",
    stringData: { passphrase: c.passphrase },
  };

  const chain: IConfigMap = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: meta(n.chain, "chain"),
    data: {
      "genesis.json": c.genesisText,
      "config.toml": configToml(o.blockTimeMs),
      "app.toml": c.appToml,
      peers: peersFile(o, c),
      "init.sh": INIT_SH,
      "comet.sh": COMET_SH,
      "daemon.sh": DAEMON_SH,
    },
  };
  const kuboInit: IConfigMap = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: meta(n.kuboInit, "kubo"),
    data: { "001-private-node.sh": KUBO_INIT_SH },
  };

  const p2pService: IService = {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta(n.p2p, "validator"),
    spec: {
      clusterIP: "None",
      // Peers must find each other before any is ready (a lone validator makes no blocks).
      publishNotReadyAddresses: true,
      selector: selector("validator"),
      ports: [
        { name: "p2p", port: PORTS.p2p, targetPort: "p2p" },
        { name: "rpc", port: PORTS.rpc, targetPort: "rpc" },
      ],
    },
  };
  const rpcService: IService = {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta(n.rpc, "validator"),
    spec: {
      type: "ClusterIP",
      selector: selector("validator"),
      ports: [{ name: "rpc", port: PORTS.rpc, targetPort: "rpc" }],
    },
  };
  // A pod's prometheus.io annotations name one port: the app's; CometBFT's is scraped through this Service's endpoints.
  const metricsService: IService = {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta(n.metrics, "validator", {
      annotations: {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": String(PORTS.cometMetrics),
        "prometheus.io/path": "/metrics",
      },
    }),
    spec: {
      clusterIP: "None",
      selector: selector("validator"),
      ports: [{ name: "cometbft-metrics", port: PORTS.cometMetrics, targetPort: "comet-metrics" }],
    },
  };
  const kuboService: IService = {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta(n.kubo, "kubo"),
    spec: {
      type: "ClusterIP",
      selector: selector("kubo"),
      ports: [
        { name: "api", port: KUBO_PORTS.api, targetPort: "api" },
        { name: "gateway", port: KUBO_PORTS.gateway, targetPort: "gateway" },
      ],
    },
  };

  const kuboClaim: IPersistentVolumeClaim = {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: meta(n.kubo, "kubo"),
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: o.storage } } },
  };
  const kubo: IDeployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: meta(n.kubo, "kubo"),
    spec: {
      replicas: 1,
      // One volume, one writer: the old pod goes before the new one starts.
      strategy: { type: "Recreate" },
      selector: { matchLabels: selector("kubo") },
      template: {
        metadata: {
          labels: labels("kubo"),
          annotations: {
            "prometheus.io/scrape": "true",
            "prometheus.io/port": String(KUBO_PORTS.api),
            "prometheus.io/path": "/debug/metrics/prometheus",
          },
        },
        spec: {
          securityContext: { fsGroup: 1000 },
          containers: [
            {
              name: "kubo",
              image: o.kuboImage,
              imagePullPolicy: "IfNotPresent",
              ports: [
                { name: "api", containerPort: KUBO_PORTS.api },
                { name: "gateway", containerPort: KUBO_PORTS.gateway },
                { name: "swarm", containerPort: KUBO_PORTS.swarm },
              ],
              volumeMounts: [
                { name: "repo", mountPath: "/data/ipfs" },
                { name: "init", mountPath: "/container-init.d", readOnly: true },
              ],
              readinessProbe: { tcpSocket: { port: "api" }, periodSeconds: 5 },
              resources: { requests: { cpu: "250m", memory: "512Mi" } },
            },
          ],
          volumes: [
            { name: "repo", persistentVolumeClaim: { claimName: n.kubo } },
            { name: "init", configMap: { name: n.kuboInit } },
          ],
        },
      },
    },
  };

  const validators: IStatefulSet = {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: meta(n.validators, "validator"),
    spec: {
      serviceName: n.p2p,
      replicas: o.validators,
      // All at once: with OrderedReady pod 1 would wait for pod 0 to be ready, which needs 2/3 of them up.
      podManagementPolicy: "Parallel",
      selector: { matchLabels: selector("validator") },
      template: {
        metadata: {
          labels: labels("validator"),
          annotations: {
            "prometheus.io/scrape": "true",
            "prometheus.io/port": String(PORTS.appMetrics),
            "prometheus.io/path": "/metrics",
          },
        },
        spec: {
          securityContext: podSecurity,
          initContainers: [initContainer("validator", KEY_PREFIX.validator, true)],
          containers: [
            {
              name: "app",
              image: o.image,
              imagePullPolicy: "IfNotPresent",
              command: ["r3mes"],
              args: [
                "node",
                "app",
                "--home",
                "/data/home",
                "--snapshot-interval",
                String(o.snapshotInterval ?? DEFAULT_SNAPSHOT_INTERVAL),
                "--metrics",
                `0.0.0.0:${PORTS.appMetrics}`,
              ],
              ports: [{ name: "app-metrics", containerPort: PORTS.appMetrics }],
              volumeMounts: [{ name: "data", mountPath: "/data" }],
              resources: { requests: { cpu: "250m", memory: "512Mi" } },
              securityContext: containerSecurity,
            },
            {
              name: "cometbft",
              image: o.image,
              imagePullPolicy: "IfNotPresent",
              command: ["sh", "/chain/comet.sh"],
              ports: [
                { name: "p2p", containerPort: PORTS.p2p },
                { name: "rpc", containerPort: PORTS.rpc },
                { name: "comet-metrics", containerPort: PORTS.cometMetrics },
              ],
              readinessProbe: { httpGet: { path: "/health", port: "rpc" }, periodSeconds: 5 },
              volumeMounts: [
                { name: "data", mountPath: "/data" },
                { name: "chain", mountPath: "/chain", readOnly: true },
              ],
              resources: { requests: { cpu: "250m", memory: "256Mi" } },
              securityContext: containerSecurity,
            },
            daemonContainer("validator", KEY_PREFIX.validator, 0, []),
          ],
          volumes: [chainVolume, ...secretVolumes],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: "data", labels: labels("validator") },
          spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: o.storage } } },
        },
      ],
    },
  };

  const daemonSet = (
    name: string,
    component: string,
    role: "miner" | "proposer",
    prefix: string,
    replicas: number,
    offset: number,
    args: string[],
  ): IStatefulSet => ({
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: meta(name, component),
    spec: {
      serviceName: n.p2p,
      replicas,
      podManagementPolicy: "Parallel",
      selector: { matchLabels: selector(component) },
      template: {
        metadata: { labels: labels(component) },
        spec: {
          securityContext: podSecurity,
          initContainers: [initContainer(role, prefix, false)],
          containers: [daemonContainer(role, prefix, offset, args)],
          volumes: [chainVolume, secretVolumes[1]!],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: "data", labels: labels(component) },
          spec: {
            accessModes: ["ReadWriteOnce"],
            resources: { requests: { storage: o.daemonStorage } },
          },
        },
      ],
    },
  });
  const honest = o.miners - o.lazy;
  const daemons: IStatefulSet[] = [
    ...(honest > 0 ? [daemonSet(n.miners, "miner", "miner", KEY_PREFIX.miner, honest, 0, [])] : []),
    // The lazy miners skip every task (and fake a random answer), as `up --lazy` makes the last miners.
    ...(o.lazy > 0
      ? [
          daemonSet(n.lazyMiners, "lazy-miner", "miner", KEY_PREFIX.lazyMiner, o.lazy, honest, [
            "--lazy-skip-bps",
            "10000",
          ]),
        ]
      : []),
    ...(o.proposers > 0
      ? [daemonSet(n.proposers, "proposer", "proposer", KEY_PREFIX.proposer, o.proposers, 0, [])]
      : []),
  ];

  return {
    ...(namespace.length ? { "00-namespace.yaml": namespace } : {}),
    "10-secrets.yaml": [consensusKeys, keyring, passphrase],
    "20-config.yaml": [chain, kuboInit],
    "30-services.yaml": [p2pService, rpcService, metricsService, kuboService],
    "40-kubo.yaml": [kuboClaim, kubo],
    "50-validators.yaml": [validators],
    ...(daemons.length ? { "60-daemons.yaml": daemons } : {}),
  };
};

/**
 * Writes the manifests into `out` (one YAML file per stage; Secrets mode
 * 0600) and the keyring the chain was made with into out/keys (a folder
 * `kubectl apply -f out` does not read).
 */
export const writeManifests = async (
  o: ManifestOptions,
  out: string,
  makeAccounts: MakeAccounts = keyringAccounts,
): Promise<{ readonly files: string[]; readonly chain: ChainMaterial }> => {
  checkOptions(o);
  fs.mkdirSync(out, { recursive: true });
  const chain = await generateChain(o, path.join(out, "keys"), makeAccounts);
  const files: string[] = [];
  for (const [file, objects] of Object.entries(manifestObjects(o, chain))) {
    const f = path.join(out, file);
    fs.writeFileSync(f, toYaml(...objects), {
      mode: objects.some((x) => x.kind === "Secret") ? 0o600 : 0o644,
    });
    files.push(f);
  }
  return { files, chain };
};
