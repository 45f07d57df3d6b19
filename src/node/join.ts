/**
 * `r3mes node init --genesis FILE --peers …`: a full node of an existing
 * network. No dev account and no genesis of its own: the network's genesis
 * is copied byte for byte (after checking that it is one), its peers become
 * CometBFT's persistent peers, and with `--state-sync RPC,RPC` CometBFT's
 * [statesync] gets a trusted height and block hash that those RPCs agree on,
 * so the node restores a snapshot instead of replaying every block.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fromJson, type JsonValue } from "@bufbuild/protobuf";
import { GenesisStateSchema } from "../gen/remes/v1/genesis_pb.ts";
import { type NodeConfigOptions, writeNodeConfig } from "./home.ts";
import { setToml } from "./toml.ts";
import { cometbftBinary } from "./tools.ts";

export interface JoinOptions extends NodeConfigOptions {
  /** The network's genesis.json. */
  readonly genesisFile: string;
  /** ID@HOST:PORT of nodes to keep connected to. */
  readonly peers: readonly string[];
  readonly stateSync?: StateSyncOptions;
}

export interface StateSyncOptions {
  /** CometBFT RPCs of the network (two or more: the light client checks its primary against witnesses). */
  readonly rpcs: readonly string[];
  /** The network's snapshot interval (`node start --snapshot-interval`): the trust height is a multiple of it. */
  readonly snapshotInterval: number;
}

export interface TrustPoint {
  readonly height: number;
  /** Block hash at height, upper-case hex as CometBFT's RPC writes it. */
  readonly hash: string;
  /** The lowest latest height among the RPCs. */
  readonly latest: number;
}

export interface JoinResult {
  readonly chainId: string;
  readonly nodeId: string;
  readonly trust?: TrustPoint;
}

/** CometBFT's light client needs the headers of snapshot height + 1 and + 2. */
const TRUST_MARGIN = 2;

const NODE_ID = /^[0-9a-f]{40}$/;

export const parsePeers = (list: string): string[] => {
  const peers = list
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "");
  for (const p of peers) {
    const m = /^([^@]+)@(.+):([0-9]{1,5})$/.exec(p);
    if (!m || !NODE_ID.test(m[1]!) || Number(m[3]) < 1 || Number(m[3]) > 65535)
      throw new Error(
        `--peers "${p}": expected NODE_ID@HOST:PORT, NODE_ID the 40 hex digits 'cometbft show-node-id' prints`,
      );
  }
  return peers;
};

/** An RPC address as CometBFT's light client takes it (a scheme is required). */
export const normalizeRpc = (rpc: string): string => {
  const r = rpc.trim().replace(/\/+$/, "");
  if (/^(https?|tcp):\/\//.test(r)) return r.replace(/^tcp:/, "http:");
  if (/^[^/:]+:[0-9]{1,5}$/.test(r)) return `http://${r}`;
  throw new Error(`--state-sync "${rpc}": expected an RPC address, e.g. http://HOST:26657`);
};

type Fetch = (url: string, init?: RequestInit) => Promise<Response>;

const getJson = async <T>(fetchImpl: Fetch, rpc: string, query: string): Promise<T> => {
  let res: Response;
  try {
    res = await fetchImpl(`${rpc}/${query}`, { signal: AbortSignal.timeout(5000) });
  } catch (e) {
    throw new Error(
      `state sync: RPC ${rpc} is unreachable (${e instanceof Error ? e.message : String(e)})`,
    );
  }
  const body = (await res.json().catch(() => undefined)) as
    { result?: T; error?: { message: string; data?: string } } | undefined;
  if (!body?.result)
    throw new Error(
      `state sync: RPC ${rpc} answered /${query} with ${body?.error ? `${body.error.message} ${body.error.data ?? ""}`.trim() : `HTTP ${res.status}`}`,
    );
  return body.result;
};

/**
 * The trusted height and hash: the latest multiple of the snapshot interval
 * at least TRUST_MARGIN below the lowest tip among the RPCs (so the serving
 * nodes hold a snapshot at or after it), and its block hash, on which every
 * RPC must agree (and on the chain id).
 */
export const trustPoint = async (
  chainId: string,
  o: StateSyncOptions,
  fetchImpl: Fetch = fetch,
): Promise<TrustPoint> => {
  if (!Number.isSafeInteger(o.snapshotInterval) || o.snapshotInterval < 1)
    throw new Error(`--snapshot-interval ${o.snapshotInterval}: expected a positive integer`);
  const rpcs = o.rpcs.map(normalizeRpc);
  if (new Set(rpcs).size < 2)
    throw new Error(
      "--state-sync: name at least two different RPCs (CometBFT's light client checks its primary against a witness)",
    );
  const statuses = await Promise.all(
    rpcs.map((rpc) =>
      getJson<{
        node_info: { network: string };
        sync_info: { latest_block_height: string };
      }>(fetchImpl, rpc, "status"),
    ),
  );
  statuses.forEach((s, i) => {
    if (s.node_info.network !== chainId)
      throw new Error(
        `state sync: RPC ${rpcs[i]} serves chain ${s.node_info.network}, the genesis is ${chainId}'s`,
      );
  });
  const latest = Math.min(...statuses.map((s) => Number(s.sync_info.latest_block_height)));
  const height = Math.floor((latest - TRUST_MARGIN) / o.snapshotInterval) * o.snapshotInterval;
  if (height < 1)
    throw new Error(
      `state sync: the network is at height ${latest}, below its first snapshot (every ${o.snapshotInterval} blocks, plus ${TRUST_MARGIN}); join by replay (leave out --state-sync) or wait`,
    );
  const hashes = await Promise.all(
    rpcs.map(
      async (rpc) =>
        (await getJson<{ block_id: { hash: string } }>(fetchImpl, rpc, `block?height=${height}`))
          .block_id.hash,
    ),
  );
  if (new Set(hashes).size !== 1)
    throw new Error(
      `state sync: the RPCs disagree on block ${height}: ${rpcs.map((r, i) => `${r} says ${hashes[i]}`).join(", ")}; trust none of them until you know why`,
    );
  if (!/^[0-9A-F]{64}$/.test(hashes[0]!))
    throw new Error(`state sync: block ${height} has no block hash at ${rpcs[0]}`);
  return { height, hash: hashes[0]!, latest };
};

const readGenesis = (file: string): { chainId: string; text: string } => {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(
      `--genesis ${file}: cannot read it (${e instanceof Error ? e.message : String(e)})`,
    );
  }
  let doc: { chain_id?: unknown; app_state?: unknown };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch (e) {
    throw new Error(`--genesis ${file}: not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof doc.chain_id !== "string" || doc.chain_id === "")
    throw new Error(`--genesis ${file}: no chain_id; is it a CometBFT genesis.json?`);
  try {
    fromJson(GenesisStateSchema, (doc.app_state ?? null) as JsonValue, {
      ignoreUnknownFields: false,
    });
  } catch (e) {
    throw new Error(
      `--genesis ${file}: its app_state is not a remes GenesisState (${e instanceof Error ? e.message : String(e)})`,
    );
  }
  return { chainId: doc.chain_id, text };
};

/** Creates the home of a node joining an existing network; starts nothing. */
export const joinHome = async (o: JoinOptions, fetchImpl: Fetch = fetch): Promise<JoinResult> => {
  const config = path.join(o.home, "config");
  if (fs.existsSync(path.join(config, "genesis.json")))
    throw new Error(
      `${o.home} already holds a chain (config/genesis.json); pick another --home or delete it`,
    );
  // Everything that can fail on its inputs fails before anything is written.
  const genesis = readGenesis(o.genesisFile);
  if (o.peers.length === 0)
    throw new Error("--peers: name at least one node of the network (NODE_ID@HOST:PORT)");
  const peers = o.peers.flatMap(parsePeers);
  const trust = o.stateSync ? await trustPoint(genesis.chainId, o.stateSync, fetchImpl) : undefined;

  const fresh = ["config", "data"].filter((d) => !fs.existsSync(path.join(o.home, d)));
  const cometbft = cometbftBinary();
  execFileSync(cometbft, ["init", "--home", o.home], { stdio: "pipe" });
  try {
    writeNodeConfig({
      ...o,
      // A real network's peers are on other hosts: CometBFT's own strict address book, one peer per IP.
      config: { "p2p.addr_book_strict": "true", "p2p.allow_duplicate_ip": "false", ...o.config },
    });
    const file = path.join(config, "config.toml");
    let toml = fs.readFileSync(file, "utf8");
    toml = setToml(toml, "p2p", "persistent_peers", JSON.stringify(peers.join(",")));
    if (trust && o.stateSync) {
      const set = (k: string, v: string) => (toml = setToml(toml, "statesync", k, v));
      set("enable", "true");
      set("rpc_servers", JSON.stringify(o.stateSync.rpcs.map(normalizeRpc).join(",")));
      set("trust_height", String(trust.height));
      set("trust_hash", JSON.stringify(trust.hash));
      set("trust_period", JSON.stringify("168h0m0s"));
    }
    fs.writeFileSync(file, toml);
    fs.writeFileSync(path.join(config, "genesis.json"), genesis.text);
    // Any CometBFT command loads config.toml and runs its checks (ValidateBasic): a bad [statesync] fails here, not at start.
    let nodeId: string;
    try {
      nodeId = execFileSync(cometbft, ["show-node-id", "--home", o.home], {
        encoding: "utf8",
        stdio: "pipe",
      }).trim();
    } catch (e) {
      const stderr = (e as { stderr?: Buffer | string }).stderr?.toString().trim();
      throw new Error(`CometBFT refuses the config it was given: ${stderr || String(e)}`);
    }
    return { chainId: genesis.chainId, nodeId, ...(trust ? { trust } : {}) };
  } catch (e) {
    for (const d of fresh) fs.rmSync(path.join(o.home, d), { recursive: true, force: true });
    throw e;
  }
};
