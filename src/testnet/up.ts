/**
 * `r3mes testnet up`: a whole network on loopback from nothing — keys,
 * one genesis (accounts, bonded validators with their consensus keys,
 * registered miners and proposers, a trap vault, short testnet windows),
 * a CometBFT home per validator (distinct 127.0.0.1 ports, persistent peers),
 * then the apps, CometBFT, Kubo and the role daemons, each a detached
 * process whose pid goes into the state folder.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { create, fromJson, type JsonValue, toJson } from "@bufbuild/protobuf";
import { GenesisStateSchema } from "../gen/remes/v1/genesis_pb.ts";
import { ParamsSchema } from "../gen/remes/v1/params_pb.ts";
import { GpuArch, Role } from "../gen/remes/v1/types_pb.ts";
import { defaultMinGasPrice, setToml } from "../node/home.ts";
import { writeAppConfig } from "../node/run.ts";
import { cometbftBinary } from "../node/tools.ts";
import { defaultParams, UREMES_PER_REMES, validateParams } from "../protocol/params.ts";
import { makeBackend } from "../actors/live/daemon.ts";
import { apiUrlOf, initKubo, kuboBinary, startKubo } from "../store/kubo-daemon.ts";
import {
  chooseNetwork,
  createNetns,
  describeNetwork,
  inNetns,
  type NetworkChoice,
  nodeNet,
} from "./netns.ts";
import { freePorts, sleep, spawnDetached, spawnR3mes } from "./procs.ts";
import { applyWan, describeWan, probeWan, type Wan } from "./wan.ts";
import {
  type DaemonEntry,
  keyringDirOf,
  passphraseFileOf,
  testnetKeyring,
  logsDir,
  type NodeEntry,
  p2pHostOf,
  readState,
  rpcUrl,
  DEFAULT_SNAPSHOT_INTERVAL,
  snapshotIntervalOf,
  stateFile,
  type TestnetState,
  writeState,
} from "./state.ts";

export interface UpOptions {
  readonly dir: string;
  readonly validators: number;
  readonly miners: number;
  readonly proposers: number;
  readonly lazy: number;
  readonly blockTimeMs: number;
  readonly trainMs: number;
  /**
   * What the miners train with (default "simulated"). "kernels": real LoRA
   * training in every daemon, and a genesis vault of KERNELS_VAULT_ENTRIES
   * answers computed by the same backend from the world seed, so traps hold.
   */
  readonly training?: "simulated" | "kernels";
  /** Protocol parameter overrides (protobuf JSON) on top of the testnet defaults. */
  readonly params?: Record<string, JsonValue>;
  readonly kubo: boolean;
  /** auto (default): netns where this process can make namespaces, else loopback; see netns.ts. */
  readonly network?: NetworkChoice;
  /** Latency, jitter and loss between the nodes (netns only; see wan.ts). */
  readonly wan?: Wan;
  /** Blocks between the apps' state-sync snapshots (default 50); recorded in testnet.json, so restarts keep it. */
  readonly snapshotInterval?: number;
  /** More accounts to fund at genesis (addresses; e.g. a benchmark's load generators). */
  readonly extraAccounts?: readonly string[];
  readonly say: (line: string) => void;
}

const REMES = UREMES_PER_REMES;

/** Genesis vault of a kernels testnet: each entry is one real training at `up`. */
export const KERNELS_VAULT_ENTRIES = 8;

/** Short windows so a few minutes show several (seconds at 500 ms blocks). */
export const testnetParams = (): Record<string, JsonValue> => ({
  windowBlocks: 12,
  totalShards: 2,
  challengeWindowBlocks: 4,
  tier2VotingBlocks: 3,
  tier3DeadlineBlocks: 6,
  aggregationCommitBlocks: 4,
  aggregationRevealBlocks: 4,
  aggregationChallengeBlocks: 4,
  trapRevealBlocks: 4,
  trapRateBps: 5000,
  trapCommitmentSlots: 4,
  daChunkBytes: 64,
  livenessWindowBlocks: 400,
});

const tomlEdits = (
  home: string,
  o: { rpc: string; p2p: string; prometheus: string; blockTimeMs: number; name: string },
) => {
  const file = path.join(home, "config", "config.toml");
  let t = fs.readFileSync(file, "utf8");
  const set = (s: string, k: string, v: string) => (t = setToml(t, s, k, v));
  set("", "proxy_app", JSON.stringify(`unix://${path.join(home, "abci.sock")}`));
  set("", "moniker", JSON.stringify(o.name));
  set("", "log_level", JSON.stringify("info"));
  set("rpc", "laddr", JSON.stringify(`tcp://${o.rpc}`));
  set("p2p", "laddr", JSON.stringify(`tcp://${o.p2p}`));
  set("p2p", "addr_book_strict", "false");
  set("p2p", "allow_duplicate_ip", "true");
  set("p2p", "pex", "false");
  set("p2p", "persistent_peers_max_dial_period", JSON.stringify("2s"));
  set("consensus", "timeout_commit", JSON.stringify(`${o.blockTimeMs}ms`));
  set("consensus", "timeout_propose", JSON.stringify("1s"));
  set("tx_index", "indexer", JSON.stringify("kv"));
  // CometBFT's own metrics (cometbft_*), a port per node: `testnet status` says where to scrape them.
  set("instrumentation", "prometheus", "true");
  set("instrumentation", "prometheus_listen_addr", JSON.stringify(o.prometheus));
  fs.writeFileSync(file, t);
};

export const setPeers = (home: string, peers: string): void => {
  const file = path.join(home, "config", "config.toml");
  fs.writeFileSync(
    file,
    setToml(fs.readFileSync(file, "utf8"), "p2p", "persistent_peers", JSON.stringify(peers)),
  );
};

export const setP2pPort = (home: string, host: string, port: number): void => {
  const file = path.join(home, "config", "config.toml");
  fs.writeFileSync(
    file,
    setToml(fs.readFileSync(file, "utf8"), "p2p", "laddr", JSON.stringify(`tcp://${host}:${port}`)),
  );
};

export const peersOf = (s: TestnetState, n: NodeEntry): string =>
  s.nodes
    .filter((x) => x.name !== n.name)
    .map((x) => `${x.nodeId}@${p2pHostOf(x)}:${x.p2pPort}`)
    .join(",");

/** Keys, genesis, CometBFT homes, Kubo repo and testnet.json; starts nothing. */
export const createTestnet = async (o: UpOptions): Promise<TestnetState> => {
  const dir = path.resolve(o.dir);
  if (fs.existsSync(stateFile(dir)))
    throw new Error(
      `${dir} already holds a testnet; stop it with 'r3mes testnet down --dir ${o.dir}' (which also removes it) or pick another --dir`,
    );
  if (o.validators < 1 || o.miners < 0 || o.proposers < 0 || o.lazy < 0 || o.lazy > o.miners)
    throw new Error("need at least 1 validator, and --lazy at most --miners");
  const cometbft = cometbftBinary();
  if (o.kubo) kuboBinary();
  const network = chooseNetwork(o.network ?? "auto", o.validators);
  if (o.wan && network.kind !== "netns")
    throw new Error(`--wan needs the netns network, and this one is loopback: ${network.reason}`);
  const wanOk = o.wan ? probeWan() : true;
  if (wanOk !== true) throw new Error(`--wan: ${wanOk}`);
  fs.mkdirSync(logsDir(dir), { recursive: true });
  // Local throwaway keys in an encrypted keyring, like an operator's: the daemons start with --from NAME.
  const keyring = testnetKeyring(dir);
  const passphrase = randomBytes(16).toString("hex");
  fs.writeFileSync(passphraseFileOf(dir), `${passphrase}\n`, { mode: 0o600 });
  const keys: Record<string, { address: string }> = {};
  const newKey = (name: string) => keyring.add(name, passphrase);
  const chainId = `r3mes-testnet-${randomBytes(3).toString("hex")}`;
  // Per node: RPC, P2P; then per node: the app's and CometBFT's metrics; then Kubo's three (the last).
  const ports = await freePorts(o.validators * 4 + 3);
  const metricsPort = (i: number) => ports[2 * o.validators + 2 * i]!;
  const cometMetricsPort = (i: number) => ports[2 * o.validators + 2 * i + 1]!;
  const nodes: NodeEntry[] = [];
  for (let i = 0; i < o.validators; i++) {
    const name = `val${i}`;
    const home = path.join(dir, "nodes", name);
    const net = nodeNet(network, i, name);
    execFileSync(cometbft, ["init", "--home", home], { stdio: "pipe" });
    // The same minimum gas price as a production node (`node init`); the daemons pay it (broadcaster.ts).
    writeAppConfig(home, defaultMinGasPrice);
    tomlEdits(home, {
      rpc: `${net.rpcHost}:${ports[2 * i]!}`,
      p2p: `${net.p2pHost}:${ports[2 * i + 1]!}`,
      prometheus: `${net.rpcHost}:${cometMetricsPort(i)}`,
      blockTimeMs: o.blockTimeMs,
      name,
    });
    const nodeId = execFileSync(cometbft, ["show-node-id", "--home", home], {
      encoding: "utf8",
    }).trim();
    keys[name] = await newKey(name);
    nodes.push({
      name,
      home,
      rpcPort: ports[2 * i]!,
      p2pPort: ports[2 * i + 1]!,
      nodeId,
      operator: name,
      net,
      metricsPort: metricsPort(i),
      cometMetricsPort: cometMetricsPort(i),
    });
  }
  const daemons: DaemonEntry[] = [];
  for (let i = 0; i < o.validators; i++)
    daemons.push({
      name: `validator${i}`,
      role: "validator",
      from: `val${i}`,
      node: `val${i}`,
      lazySkipBps: 0,
    });
  for (let i = 0; i < o.miners; i++) {
    keys[`miner${i}`] = await newKey(`miner${i}`);
    // The last --lazy miners skip every task (and fake a random answer).
    daemons.push({
      name: `miner${i}`,
      role: "miner",
      from: `miner${i}`,
      node: `val${i % o.validators}`,
      lazySkipBps: i >= o.miners - o.lazy ? 10_000 : 0,
    });
  }
  for (let i = 0; i < o.proposers; i++) {
    keys[`proposer${i}`] = await newKey(`proposer${i}`);
    daemons.push({
      name: `proposer${i}`,
      role: "proposer",
      from: `proposer${i}`,
      node: `val${i % o.validators}`,
      lazySkipBps: 0,
    });
  }

  const worldSeed = randomBytes(32).toString("hex");
  const validatorKeys = nodes.map((n) => {
    const k = JSON.parse(
      fs.readFileSync(path.join(n.home, "config", "priv_validator_key.json"), "utf8"),
    ) as { address: string; pub_key: { type: string; value: string } };
    return {
      name: n.name,
      operator: keys[n.operator]!.address,
      address: k.address,
      pub_key: k.pub_key,
    };
  });
  const genesisText = testnetGenesis(
    JSON.parse(fs.readFileSync(path.join(nodes[0]!.home, "config", "genesis.json"), "utf8")),
    {
      chainId,
      worldSeed,
      trainMs: o.trainMs,
      ...(o.training ? { training: o.training } : {}),
      ...(o.params ? { params: o.params } : {}),
      accounts: [...Object.values(keys).map((k) => k.address), ...(o.extraAccounts ?? [])],
      validators: validatorKeys,
      miners: daemons.filter((d) => d.role === "miner").map((d) => keys[d.from]!.address),
      proposers: daemons.filter((d) => d.role === "proposer").map((d) => keys[d.from]!.address),
    },
  );
  for (const n of nodes) fs.writeFileSync(path.join(n.home, "config", "genesis.json"), genesisText);

  const s: TestnetState = {
    version: 1,
    dir,
    chainId,
    blockTimeMs: o.blockTimeMs,
    trainMs: o.trainMs,
    worldSeed,
    ...(o.training === "kernels" ? { training: "kernels" as const } : {}),
    nodes,
    daemons,
    network,
    ...(o.wan ? { wan: o.wan } : {}),
    snapshotInterval: o.snapshotInterval ?? DEFAULT_SNAPSHOT_INTERVAL,
    startedAt: new Date().toISOString(),
  };
  for (const n of nodes) setPeers(n.home, peersOf(s, n));
  if (o.kubo) {
    const [api, gateway, swarm] = ports.slice(-3) as [number, number, number];
    s.kubo = { repo: path.join(dir, "kubo"), api, gateway, swarm };
    initKubo(s.kubo.repo, s.kubo);
  }
  writeState(s);
  return s;
};

export interface GenesisInput {
  readonly chainId: string;
  /** Hex; the genesis vault's answers are computed from it. */
  readonly worldSeed: string;
  readonly trainMs: number;
  readonly training?: "simulated" | "kernels";
  readonly params?: Record<string, JsonValue>;
  /** Every account funded at genesis, in order. */
  readonly accounts: readonly string[];
  /** Bonded validators: operator address and CometBFT consensus key (priv_validator_key.json's public half). */
  readonly validators: readonly {
    readonly name: string;
    readonly operator: string;
    readonly address: string;
    readonly pub_key: { readonly type: string; readonly value: string };
  }[];
  readonly miners: readonly string[];
  readonly proposers: readonly string[];
}

/**
 * genesis.json of a testnet (shared by `up` and `testnet manifests`): `base`
 * (CometBFT's own, or a minimal one) with the chain ID, the validators and
 * the app state: accounts, bonded roles, the trap vault, short windows.
 */
export const testnetGenesis = (base: Record<string, unknown>, g: GenesisInput): string => {
  // Real losses vary about ±5% from batch to batch (src/kernels/backend.ts): a kernels testnet's tier 2 tolerates 20%.
  const trainingParams: Record<string, JsonValue> =
    g.training === "kernels" ? { lossToleranceBps: 2_000 } : {};
  const params = create(ParamsSchema, {
    ...defaultParams(),
    ...overrides({ ...testnetParams(), ...trainingParams, ...g.params }),
  });
  const bad = validateParams(params);
  if (bad) throw new Error(`testnet params: ${bad.message}`);
  const accounts = g.accounts.map((address) => ({ address, balance: 10_000n * REMES }));
  const roles = [
    ...g.validators.map((v) => ({
      address: v.operator,
      role: Role.VALIDATOR,
      stake: 20_000n * REMES,
      pubkey: Buffer.from(v.pub_key.value, "base64"),
    })),
    ...g.miners.map((address) => ({
      address,
      role: Role.MINER,
      stake: 2_000n * REMES,
      gpuArch: GpuArch.AMPERE,
    })),
    ...g.proposers.map((address) => ({ address, role: Role.PROPOSER, stake: 10_000n * REMES })),
  ];
  const kernels =
    g.training === "kernels"
      ? makeBackend(
          { backend: "kernels", trainMs: g.trainMs, genesisVaultEntries: KERNELS_VAULT_ENTRIES },
          Buffer.from(g.worldSeed, "hex"),
          params,
        )
      : undefined;
  // Simulated daemons compute trap jobs too: the genesis answers must be their backend's (same world seed).
  const simulated = makeBackend(
    { backend: "simulated", trainMs: g.trainMs, genesisVaultEntries: 64 },
    Buffer.from(g.worldSeed, "hex"),
    params,
  );
  const genesisState = create(GenesisStateSchema, {
    params,
    accounts,
    roles,
    vault: kernels
      ? Array.from({ length: KERNELS_VAULT_ENTRIES }, (_, i) => ({
          gradientHash: kernels.vaultHash(i),
        }))
      : Array.from({ length: 64 }, (_, i) => ({ gradientHash: simulated.vaultHash(i) })),
  });
  const doc = { ...base };
  doc.chain_id = g.chainId;
  doc.genesis_time = new Date().toISOString();
  doc.validators = g.validators.map((v) => ({
    address: v.address,
    pub_key: v.pub_key,
    power: "10",
    name: v.name,
  }));
  doc.app_state = toJson(GenesisStateSchema, genesisState);
  return `${JSON.stringify(doc, null, 2)}\n`;
};

/** Only the fields the JSON names override the defaults. */
const overrides = (json: Record<string, JsonValue>): Record<string, unknown> => {
  const parsed = fromJson(ParamsSchema, json, { ignoreUnknownFields: false }) as unknown as Record<
    string,
    unknown
  >;
  return Object.fromEntries(Object.keys(json).map((k) => [k, parsed[k]]));
};

/** `r3mes node app` of a node, with the snapshot interval testnet.json records (`up` and every restart alike). */
export const appArgs = (s: TestnetState, n: NodeEntry): string[] => [
  "node",
  "app",
  "--home",
  n.home,
  "--snapshot-interval",
  String(snapshotIntervalOf(s)),
  ...(n.metricsPort ? ["--metrics", `127.0.0.1:${n.metricsPort}`] : []),
];

export const startNodeProcs = async (s: TestnetState, n: NodeEntry): Promise<void> => {
  const logs = logsDir(s.dir);
  fs.rmSync(path.join(n.home, "abci.sock"), { force: true });
  n.appPid = spawnR3mes(appArgs(s, n), path.join(logs, `${n.name}-app.out`));
  // CometBFT gives up if the app's socket is not there yet.
  for (let i = 0; i < 600 && !fs.existsSync(path.join(n.home, "abci.sock")); i++) await sleep(50);
  if (!fs.existsSync(path.join(n.home, "abci.sock")))
    throw new Error(
      `the app of ${n.name} did not open its socket in 30 s; see ${path.join(logs, `${n.name}-app.out`)} and ${n.home}/logs/app.log`,
    );
  n.cometPid = spawnComet(s, n);
};

/** CometBFT of a node, in its network namespace where it has one. */
export const spawnComet = (s: TestnetState, n: NodeEntry): number => {
  const [cmd, args] = n.net
    ? inNetns(n.net, cometbftBinary(), ["start", "--home", n.home])
    : [cometbftBinary(), ["start", "--home", n.home]];
  return spawnDetached(cmd, args, path.join(logsDir(s.dir), `${n.name}-cometbft.log`));
};

export const daemonArgs = (s: TestnetState, d: DaemonEntry): string[] => {
  const node = s.nodes.find((n) => n.name === d.node)!;
  const args = [
    d.role,
    "start",
    "--rpc",
    rpcUrl(node),
    "--keyring-dir",
    keyringDirOf(s.dir),
    "--passphrase-file",
    passphraseFileOf(s.dir),
    "--from",
    d.from,
    "--store",
    s.kubo ? `kubo:${apiUrlOf(s.kubo)}` : path.join(s.dir, "blocks"),
    "--world-seed",
    s.worldSeed,
    "--block-time-ms",
    String(s.blockTimeMs),
    "--train-ms",
    String(s.trainMs),
    "--state-dir",
    path.join(s.dir, "daemons", d.name),
  ];
  if (d.role === "miner" && d.lazySkipBps > 0) args.push("--lazy-skip-bps", String(d.lazySkipBps));
  if (s.training === "kernels") args.push("--backend", "kernels");
  return args;
};

export const startDaemonProc = (s: TestnetState, d: DaemonEntry): void => {
  d.pid = spawnR3mes(daemonArgs(s, d), path.join(logsDir(s.dir), `${d.name}.log`));
};

export const height = async (rpc: string): Promise<number | undefined> => {
  try {
    const r = (await (
      await fetch(`${rpc}/status`, { signal: AbortSignal.timeout(2000) })
    ).json()) as { result: { sync_info: { latest_block_height: string } } };
    return Number(r.result.sync_info.latest_block_height);
  } catch {
    return undefined;
  }
};

export const waitForHeight = async (
  rpcs: readonly string[],
  h: number,
  timeoutMs: number,
): Promise<void> => {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const hs = await Promise.all(rpcs.map(height));
    if (hs.every((x) => x !== undefined && x >= h)) return;
    await sleep(100);
  }
  throw new Error(
    `not every node reached height ${h} within ${timeoutMs} ms; see the logs ('r3mes testnet logs')`,
  );
};

export interface UpResult {
  readonly state: TestnetState;
  /** ms from the start of `up` to the first block on every node. */
  readonly firstBlockMs: number;
}

/** Creates and starts everything; on failure stops what it started. */
export const up = async (o: UpOptions & { readonly scenario?: string }): Promise<UpResult> => {
  const t0 = Date.now();
  const s = await createTestnet(o);
  o.say(
    `testnet ${s.chainId} in ${s.dir}: ${o.validators} validators, ${o.miners} miners (${o.lazy} lazy), ${o.proposers} proposers`,
  );
  o.say(`network: ${describeNetwork(s.network)}`);
  fs.appendFileSync(
    path.join(logsDir(s.dir), "network.log"),
    `${new Date().toISOString()} network: ${describeNetwork(s.network)}\n`,
  );
  try {
    if (s.network?.kind === "netns")
      createNetns(
        s.network,
        s.nodes.map((n) => n.net!),
      );
    if (o.wan) {
      applyWan(
        o.wan,
        s.nodes.map((n) => n.net!),
      );
      o.say(describeWan(o.wan, s.nodes.length));
    }
    if (s.kubo) {
      s.kubo.pid = await startKubo(s.kubo.repo, s.kubo, path.join(logsDir(s.dir), "kubo.log"));
      writeState(s);
      o.say(`kubo: API ${apiUrlOf(s.kubo)}`);
    }
    await Promise.all(s.nodes.map((n) => startNodeProcs(s, n)));
    writeState(s);
    await waitForHeight(s.nodes.map(rpcUrl), 1, 120_000);
    const firstBlockMs = Date.now() - t0;
    o.say(`first block on every node after ${(firstBlockMs / 1000).toFixed(1)} s`);
    for (const d of s.daemons) startDaemonProc(s, d);
    if (o.scenario)
      s.conductorPid = spawnR3mes(
        ["testnet", "conduct", "--dir", s.dir, "--scenario", path.resolve(o.scenario)],
        path.join(logsDir(s.dir), "conductor.log"),
      );
    writeState(s);
    for (const n of s.nodes)
      o.say(
        `  ${n.name}: RPC ${rpcUrl(n)}  P2P ${p2pHostOf(n)}:${n.p2pPort}${n.net?.netns ? ` (netns ${n.net.netns})` : ""}  home ${n.home}`,
      );
    o.say(`  daemons: ${s.daemons.map((d) => d.name).join(", ")} (logs in ${logsDir(s.dir)})`);
    o.say(`status: r3mes testnet status --dir ${o.dir}   stop: r3mes testnet down --dir ${o.dir}`);
    return { state: readState(s.dir), firstBlockMs };
  } catch (e) {
    const { down } = await import("./down.ts");
    await down(s.dir, { keep: true });
    throw e;
  }
};
