/**
 * The testnet's state folder (default ./.testnet): testnet.json says what
 * was started where (ports, homes, pids), so `status`, `logs`, `perturb` and
 * `down` work from any shell. keyring/ is the encrypted keyring the daemons
 * sign with (`r3mes keys … --keyring-dir DIR/keyring`), under the passphrase
 * in keyring-passphrase.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Keyring } from "../keys/keyring.ts";
import type { NodeNet, TestnetNetwork } from "./netns.ts";
import type { Wan } from "./wan.ts";

export interface NodeEntry {
  readonly name: string;
  readonly home: string;
  readonly rpcPort: number;
  p2pPort: number;
  readonly nodeId: string;
  /** Keyring name of the validator's operator account. */
  readonly operator: string;
  /** Where it listens and, in netns mode, its namespace and links (absent in older state folders: loopback). */
  readonly net?: NodeNet;
  /** Prometheus: the app's /metrics (loopback) and CometBFT's (its RPC host); absent in older state folders. */
  readonly metricsPort?: number;
  readonly cometMetricsPort?: number;
  appPid?: number;
  cometPid?: number;
  /** Set while the node is cut off from its peers (see perturb.ts). */
  partitioned?: boolean;
  /** Containers backend: the node's address on the network while it is partitioned (heal restores it). */
  partitionedIp?: string;
  paused?: boolean;
}

export interface DaemonEntry {
  readonly name: string;
  readonly role: "miner" | "validator" | "proposer";
  readonly from: string;
  /** The node whose RPC it follows. */
  readonly node: string;
  readonly lazySkipBps: number;
  pid?: number;
}

export interface TestnetState {
  readonly version: 1;
  readonly dir: string;
  readonly chainId: string;
  readonly blockTimeMs: number;
  readonly trainMs: number;
  readonly worldSeed: string;
  /** What the miners train with; absent: simulated. */
  readonly training?: "simulated" | "kernels";
  readonly nodes: NodeEntry[];
  readonly daemons: DaemonEntry[];
  /** How the nodes are networked and partitioned (see netns.ts). */
  readonly network?: TestnetNetwork;
  /** The latency matrix applied between the nodes (see wan.ts), if any. */
  readonly wan?: Wan;
  kubo?: {
    readonly repo: string;
    readonly api: number;
    readonly gateway: number;
    readonly swarm: number;
    pid?: number;
  };
  conductorPid?: number;
  readonly startedAt: string;
  /** Blocks between the apps' state-sync snapshots, chosen at `up`; restarts keep it (absent in older state folders: 50). */
  readonly snapshotInterval?: number;
  /** The containers backend (containers-up.ts): its engine network (also the containers' name prefix and label) and image. */
  readonly containers?: { readonly network: string; readonly image: string };
}

export const stateFile = (dir: string) => path.join(dir, "testnet.json");

/** A testnet's snapshot interval when `up` is given none (and that of state folders older than the field). */
export const DEFAULT_SNAPSHOT_INTERVAL = 50;
export const snapshotIntervalOf = (s: Pick<TestnetState, "snapshotInterval">): number =>
  s.snapshotInterval ?? DEFAULT_SNAPSHOT_INTERVAL;
export const keyringDirOf = (dir: string) => path.join(dir, "keyring");
export const passphraseFileOf = (dir: string) => path.join(dir, "keyring-passphrase");
/**
 * A testnet's keys are throwaway local keys: a light scrypt cost keeps `up`
 * and each daemon's unlock fast (real keyrings use DEFAULT_SCRYPT).
 */
export const TESTNET_SCRYPT = { N: 1 << 12, r: 8, p: 1 } as const;
export const testnetKeyring = (dir: string): Keyring =>
  new Keyring({ dir: keyringDirOf(dir), scrypt: TESTNET_SCRYPT });
/** Name → address of every testnet key. */
export const testnetAddresses = (dir: string): Record<string, string> =>
  Object.fromEntries(
    testnetKeyring(dir)
      .list()
      .keys.map((k) => [k.name, k.address]),
  );
export const logsDir = (dir: string) => path.join(dir, "logs");

export const readState = (dir: string): TestnetState => {
  const f = stateFile(dir);
  if (!fs.existsSync(f))
    throw new Error(
      `no testnet in ${path.resolve(dir)} (no testnet.json); start one with 'r3mes testnet up --dir ${dir}'`,
    );
  return JSON.parse(fs.readFileSync(f, "utf8")) as TestnetState;
};

/** Writes atomically (a second shell may read it at any time). */
export const writeState = (s: TestnetState): void => {
  const f = stateFile(s.dir);
  fs.writeFileSync(`${f}.tmp`, `${JSON.stringify(s, null, 2)}\n`);
  fs.renameSync(`${f}.tmp`, f);
};

export const rpcUrl = (n: NodeEntry) => `http://${n.net?.rpcHost ?? "127.0.0.1"}:${n.rpcPort}`;
/** Where to scrape a node's metrics: the app's (r3mes_*) and CometBFT's (cometbft_*); none for older state folders. */
export const metricsUrls = (
  n: NodeEntry,
): { readonly app?: string; readonly cometbft?: string } => ({
  ...(n.metricsPort ? { app: `http://127.0.0.1:${n.metricsPort}/metrics` } : {}),
  ...(n.cometMetricsPort
    ? { cometbft: `http://${n.net?.rpcHost ?? "127.0.0.1"}:${n.cometMetricsPort}/metrics` }
    : {}),
});

export const p2pHostOf = (n: NodeEntry) => n.net?.p2pHost ?? "127.0.0.1";

export const nodeByName = (s: TestnetState, name: string): NodeEntry => {
  const n = s.nodes.find((x) => x.name === name);
  if (!n)
    throw new Error(
      `no node named "${name}"; the nodes are ${s.nodes.map((x) => x.name).join(", ")}`,
    );
  return n;
};
