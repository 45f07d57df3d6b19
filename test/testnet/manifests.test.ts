import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Deployment, StatefulSet } from "kubernetes-models/apps/v1";
import { ConfigMap, Namespace, PersistentVolumeClaim, Secret, Service } from "kubernetes-models/v1";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { Keyring } from "../../src/keys/keyring.ts";
import { toBech32 } from "@cosmjs/encoding";
import {
  type MakeAccounts,
  type ManifestOptions,
  writeManifests,
} from "../../src/testnet/manifests.ts";
import { TESTNET_SCRYPT } from "../../src/testnet/state.ts";

type Obj = Record<string, any>;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DATA_KEY = /^[-._a-zA-Z0-9]+$/;
const PORT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const MODELS: Record<string, new (o: never) => { validate(): void }> = {
  Namespace,
  Secret,
  ConfigMap,
  Service,
  PersistentVolumeClaim,
  Deployment,
  StatefulSet,
};

const options = (validators: number, over: Partial<ManifestOptions> = {}): ManifestOptions => ({
  validators,
  miners: 5,
  proposers: 2,
  lazy: 2,
  blockTimeMs: 500,
  trainMs: 1500,
  image: "localhost/r3mes:latest",
  kuboImage: "ipfs/kubo:v0.42.0",
  namespace: "r3mes-test",
  storage: "10Gi",
  daemonStorage: "1Gi",
  name: "r3mes",
  ...over,
});

/** Every document of every YAML file in `dir`, read back by an independent reader (the `yaml` package). */
const readObjects = (dir: string): Obj[] =>
  fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .flatMap((f) =>
      parseAllDocuments(fs.readFileSync(path.join(dir, f), "utf8")).map((d) => {
        expect(d.errors).toEqual([]);
        return d.toJS() as Obj;
      }),
    );

const find = (objs: Obj[], kind: string, name: string): Obj => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name}`);
  return o;
};

/** Writes a Secret's or ConfigMap's entries as files, as a volume mount would. */
const mount = (data: Record<string, string>, dir: string): void => {
  fs.mkdirSync(dir, { recursive: true });
  for (const [k, v] of Object.entries(data)) fs.writeFileSync(path.join(dir, k), v);
};

/** A stand-in for a binary: prints its arguments one per line. */
const echoBinary = (dir: string): string => {
  const f = path.join(dir, "echo-args");
  fs.writeFileSync(f, '#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n', { mode: 0o755 });
  return f;
};

const nodeIdOfKey = (nodeKeyJson: string): string => {
  const raw = Buffer.from(
    (JSON.parse(nodeKeyJson) as { priv_key: { value: string } }).priv_key.value,
    "base64",
  );
  return createHash("sha256").update(raw.subarray(32)).digest().subarray(0, 20).toString("hex");
};

/**
 * Renders a testnet and runs its pods' scripts outside a cluster: the init
 * container of each validator ordinal, then CometBFT's start script with a
 * stand-in binary that prints the command it would run.
 */
const render = async (
  validators: number,
  makeAccounts?: MakeAccounts,
  ordinals: readonly number[] = Array.from({ length: validators }, (_, i) => i),
) => {
  const root = fs.mkdtempSync(path.join(tmpdir(), "r3mes-k8s-"));
  const out = path.join(root, "out");
  const o = options(validators);
  const { chain } = await writeManifests(o, out, makeAccounts);
  const objs = readObjects(out);
  const cm = find(objs, "ConfigMap", "r3mes-chain");
  const secrets = {
    consensus: find(objs, "Secret", "r3mes-consensus-keys").stringData as Record<string, string>,
    keyring: find(objs, "Secret", "r3mes-keyring").stringData as Record<string, string>,
    passphrase: find(objs, "Secret", "r3mes-keyring-passphrase").stringData.passphrase as string,
  };
  const chainDir = path.join(root, "chain");
  const secretsDir = path.join(root, "secrets");
  mount(cm.data, chainDir);
  mount(secrets.consensus, path.join(secretsDir, "consensus"));
  mount(secrets.keyring, path.join(secretsDir, "keyring"));
  const echo = echoBinary(root);
  const pods = ordinals.map((i) => {
    const data = path.join(root, "pods", String(i));
    const env = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOSTNAME: `r3mes-val-${i}`,
      R3MES_CHAIN_DIR: chainDir,
      R3MES_SECRETS_DIR: secretsDir,
      R3MES_DATA_DIR: data,
      R3MES_ROLE: "validator",
      R3MES_KEY_PREFIX: "val",
      R3MES_WAIT_S: "0",
      R3MES_COMETBFT: echo,
    };
    execFileSync("sh", [path.join(chainDir, "init.sh")], { env, stdio: "pipe" });
    const argv = execFileSync("sh", [path.join(chainDir, "comet.sh")], { env, encoding: "utf8" })
      .trimEnd()
      .split("\n");
    const home = path.join(data, "home", "config");
    return {
      ordinal: i,
      argv,
      peers: argv[argv.indexOf("--p2p.persistent_peers") + 1]!.split(",").filter(Boolean),
      privValidatorKey: JSON.parse(
        fs.readFileSync(path.join(home, "priv_validator_key.json"), "utf8"),
      ) as Obj,
      nodeId: nodeIdOfKey(fs.readFileSync(path.join(home, "node_key.json"), "utf8")),
      keyring: fs.readdirSync(path.join(data, "keyring")),
      genesis: fs.readFileSync(path.join(home, "genesis.json"), "utf8"),
    };
  });
  return { root, out, o, chain, objs, cm, secrets, pods, chainDir, echo };
};

const checkRendered = (r: Awaited<ReturnType<typeof render>>) => {
  const { objs, o, pods } = r;
  // Every object validates against the Kubernetes OpenAPI schema of its kind (offline).
  for (const x of objs) {
    const Model = MODELS[x.kind];
    expect(Model, `kind ${x.kind}`).toBeDefined();
    new Model!(x as never).validate();
    expect(x.metadata.name).toMatch(x.kind === "Service" ? DNS_LABEL : DNS_SUBDOMAIN);
    expect(x.metadata.name.length).toBeLessThanOrEqual(x.kind === "StatefulSet" ? 52 : 63);
    if (x.kind !== "Namespace") expect(x.metadata.namespace).toBe(o.namespace);
    expect(x.metadata.labels["app.kubernetes.io/instance"]).toBe(o.name);
    for (const k of Object.keys(x.data ?? x.stringData ?? {})) expect(k).toMatch(DATA_KEY);
    const pod = x.spec?.template?.spec;
    if (pod)
      for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
        expect(c.name).toMatch(DNS_LABEL);
        for (const p of c.ports ?? []) {
          expect(p.name).toMatch(PORT_NAME);
          expect(p.name.length).toBeLessThanOrEqual(15);
        }
      }
  }
  // Pod names (SET-ORDINAL) are DNS labels too.
  expect(`r3mes-val-${o.validators - 1}`).toMatch(DNS_LABEL);
  // A ConfigMap or Secret holds at most 1 MiB.
  for (const x of objs.filter((y) => y.kind === "ConfigMap" || y.kind === "Secret"))
    expect(Buffer.byteLength(JSON.stringify(x))).toBeLessThan(1 << 20);

  const sts = find(objs, "StatefulSet", "r3mes-val");
  expect(sts.spec.replicas).toBe(o.validators);
  expect(sts.spec.serviceName).toBe("r3mes-p2p");
  expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe(o.storage);
  expect(sts.spec.template.metadata.annotations["prometheus.io/scrape"]).toBe("true");
  const p2p = find(objs, "Service", "r3mes-p2p");
  expect(p2p.spec.clusterIP).toBe("None");
  expect(p2p.spec.selector).toEqual(sts.spec.selector.matchLabels);
  expect(find(objs, "Service", "r3mes-metrics").metadata.annotations["prometheus.io/port"]).toBe(
    "26660",
  );
  expect(find(objs, "Deployment", "r3mes-kubo").spec.replicas).toBe(1);
  // Role daemons: replicas = counts (the lazy ones are the last miners, as in `testnet up`).
  expect(find(objs, "StatefulSet", "r3mes-miner").spec.replicas).toBe(o.miners - o.lazy);
  expect(find(objs, "StatefulSet", "r3mes-lazy-miner").spec.replicas).toBe(o.lazy);
  expect(find(objs, "StatefulSet", "r3mes-proposer").spec.replicas).toBe(o.proposers);

  // What each ordinal's pod must end up with: its entries in the consensus-keys Secret.
  const keyOf = (i: number) =>
    JSON.parse(r.secrets.consensus[`priv_validator_key-${i}.json`]!) as Obj;
  const nodeIdOf = (i: number) => nodeIdOfKey(r.secrets.consensus[`node_key-${i}.json`]!);
  const ordinals = Array.from({ length: o.validators }, (_, i) => i);
  const genesis = JSON.parse(pods[0]!.genesis) as Obj;
  // Every ordinal its own key, and genesis bonds exactly those keys, in ordinal order.
  const addresses = ordinals.map((i) => keyOf(i).address);
  expect(new Set(addresses).size).toBe(o.validators);
  expect(new Set(ordinals.map(nodeIdOf)).size).toBe(o.validators);
  expect(genesis.validators.map((v: Obj) => v.pub_key)).toEqual(
    ordinals.map((i) => keyOf(i).pub_key),
  );
  expect(genesis.validators.map((v: Obj) => v.address)).toEqual(addresses);
  const bonded = genesis.app_state.roles
    .filter((x: Obj) => x.role === "ROLE_VALIDATOR")
    .map((x: Obj) => x.pubkey);
  expect(bonded).toEqual(ordinals.map((i) => keyOf(i).pub_key.value));
  for (const i of ordinals)
    // The key's address is sha256(pubkey)[:20], as CometBFT derives it.
    expect(keyOf(i).address).toBe(
      createHash("sha256")
        .update(Buffer.from(keyOf(i).pub_key.value, "base64"))
        .digest()
        .subarray(0, 20)
        .toString("hex")
        .toUpperCase(),
    );

  // Each pod run: the init container copied its own keys (and keyring key) and no other; peers
  // are every other validator by node ID and stable DNS name, never itself.
  for (const p of pods) {
    const i = p.ordinal;
    expect(p.genesis).toBe(pods[0]!.genesis);
    expect(p.privValidatorKey).toEqual(keyOf(i));
    expect(p.nodeId).toBe(nodeIdOf(i));
    const want = ordinals
      .filter((j) => j !== i)
      .map((j) => `${nodeIdOf(j)}@r3mes-val-${j}.r3mes-p2p.${o.namespace}.svc.cluster.local:26656`);
    expect(p.peers).toEqual(want);
    expect(p.peers.some((x) => x.startsWith(p.nodeId))).toBe(false);
    expect(p.argv).toContain(`r3mes-val-${i}`);
    expect(p.keyring).toEqual([`val${i}.json`]);
  }
};

describe("testnet manifests", () => {
  it("4 validators: objects valid, one key per pod, genesis bonds the pods' keys, peers exclude self, no mnemonic in clear", async () => {
    const r = await render(4);
    checkRendered(r);
    const genesis = JSON.parse(r.pods[0]!.genesis) as Obj;
    // The keyring Secret decrypts with the passphrase Secret to the genesis accounts; the mnemonics appear nowhere in clear.
    const dir = path.join(r.root, "keyring-check");
    mount(r.secrets.keyring, dir);
    const keyring = new Keyring({ dir, scrypt: TESTNET_SCRYPT });
    const keys = keyring.list().keys;
    expect(keys.map((k) => k.address).sort()).toEqual(
      genesis.app_state.accounts.map((a: Obj) => a.address).sort(),
    );
    expect(keys.map((k) => k.name).sort()).toEqual(
      [
        "val0",
        "val1",
        "val2",
        "val3",
        "miner0",
        "miner1",
        "miner2",
        "lazyminer0",
        "lazyminer1",
        "proposer0",
        "proposer1",
      ].sort(),
    );
    const everything = [
      ...fs.readdirSync(r.out).filter((f) => f.endsWith(".yaml")),
      ...fs.readdirSync(path.join(r.out, "keys", "keyring")).map((f) => `keys/keyring/${f}`),
    ]
      .map((f) => fs.readFileSync(path.join(r.out, f), "utf8"))
      .join("\n");
    for (const k of keys) {
      const m = await keyring.mnemonic(k.name, r.secrets.passphrase);
      expect(m.split(" ").length).toBeGreaterThanOrEqual(12);
      expect(everything).not.toContain(m);
      expect(everything).not.toContain(m.split(" ").slice(0, 4).join(" "));
    }
    // Secrets are written readable by their owner only.
    expect(fs.statSync(path.join(r.out, "10-secrets.yaml")).mode & 0o077).toBe(0);

    // A lazy miner follows node (ordinal + honest miners) mod validators, signs with its own key, and skips tasks.
    const lazy = find(r.objs, "StatefulSet", "r3mes-lazy-miner").spec.template.spec.containers[0];
    const env = Object.fromEntries(
      lazy.env.filter((e: Obj) => e.value).map((e: Obj) => [e.name, e.value]),
    );
    const argv = execFileSync("sh", [path.join(r.chainDir, "daemon.sh"), ...lazy.args], {
      env: {
        ...env,
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOSTNAME: "r3mes-lazy-miner-1",
        R3MES_CHAIN_DIR: r.chainDir,
        R3MES_DATA_DIR: path.join(r.root, "lazy1"),
        R3MES_BIN: r.echo,
      },
      encoding: "utf8",
    })
      .trimEnd()
      .split("\n");
    expect(argv.slice(0, 2)).toEqual(["miner", "start"]);
    expect(argv[argv.indexOf("--from") + 1]).toBe("lazyminer1");
    // Miners 0..2 are honest: lazy miner 1 is miner 4, on node 4 mod 4 = 0.
    expect(argv[argv.indexOf("--rpc") + 1]).toBe(
      "http://r3mes-val-0.r3mes-p2p.r3mes-test.svc.cluster.local:26657",
    );
    expect(argv[argv.indexOf("--world-seed") + 1]).toBe(r.chain.worldSeed);
    expect(argv.slice(-2)).toEqual(["--lazy-skip-bps", "10000"]);
    expect(lazy.env.find((e: Obj) => e.name === "R3MES_KEYRING_PASSPHRASE").valueFrom).toEqual({
      secretKeyRef: { name: "r3mes-keyring-passphrase", key: "passphrase" },
    });

    // The schemas do reject a broken object (the check above is not vacuous).
    const sts = find(r.objs, "StatefulSet", "r3mes-val");
    expect(() =>
      new StatefulSet({ ...sts, spec: { ...sts.spec, replicas: "four" } } as never).validate(),
    ).toThrow();
    // A second render into the same folder would be a new chain: refused.
    await expect(writeManifests(r.o, r.out)).rejects.toThrow(/already holds a keyring/);
  });

  it("50 validators: the same objects scale (peers, keys, genesis)", async () => {
    // The keyring's key derivation costs ~0.2 s a key (PBKDF2 in JS), checked above: here stand-in accounts.
    const fast: MakeAccounts = async (names) => ({
      addresses: names.map((n) =>
        toBech32("remes", createHash("sha256").update(n).digest().subarray(0, 20)),
      ),
      files: Object.fromEntries(names.map((n) => [`${n}.json`, "{}"])),
      passphrase: "stand-in",
    });
    // The pods' scripts run for a sample of ordinals (each run is a few processes); keys are checked for all.
    const r = await render(50, fast, [0, 1, 17, 48, 49]);
    checkRendered(r);
    expect(r.pods.map((p) => p.ordinal)).toEqual([0, 1, 17, 48, 49]);
    expect(r.pods[4]!.peers).toHaveLength(49);
  });

  it("refuses names that are not DNS labels", async () => {
    const out = fs.mkdtempSync(path.join(tmpdir(), "r3mes-k8s-bad-"));
    await expect(writeManifests(options(4, { name: "R3MES" }), out)).rejects.toThrow(/DNS-1123/);
    await expect(writeManifests(options(4, { namespace: "a_b" }), out)).rejects.toThrow(/DNS-1123/);
    await expect(writeManifests(options(4, { lazy: 6 }), out)).rejects.toThrow(/--lazy/);
  });
});
