/**
 * Invariant checks over RPC, as CometBFT's e2e runner makes them:
 * - every node's app hash after height h (ABCI Info) equals the AppHash in
 *   the header of h+1, and headers agree across nodes;
 * - every block up to the lowest common height is identical on every node;
 * - an independent replay of the chain (ChainFollower: genesis + every
 *   block, app hash checked at each height) ends in a state whose supply is
 *   conserved and passes the protocol's state checks;
 * - submissions accepted on chain (GetGradient by id) read the same on every
 *   node, so none is lost across restarts.
 */
import { ChainFollower } from "../actors/live/follower.ts";
import { checkState } from "../protocol/invariants.ts";
import type { State } from "../protocol/state.ts";
import { sleep } from "./procs.ts";
import { rpcUrl, type TestnetState } from "./state.ts";

interface Header {
  readonly app_hash: string;
  readonly height: string;
}
interface BlockRes {
  readonly block_id: { readonly hash: string };
  readonly block: { readonly header: Header };
}

/** Why a fetch failed: undici's "fetch failed" hides the socket error in `cause`. */
const failure = (e: unknown): string => {
  if (!(e instanceof Error)) return String(e);
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause ? `${e.message} (${cause.code ?? cause.message ?? "no cause"})` : e.message;
};

/**
 * One RPC answer. A node that is restarting (a healed partition, a restarted
 * CometBFT) can refuse a connection for a moment, so network failures are
 * retried for up to ~10 s before the check gives up, naming the URL and the cause.
 */
const get = async <T>(url: string): Promise<T> => {
  for (let attempt = 1; ; attempt++) {
    let r: { result?: T; error?: { data?: string } };
    try {
      r = (await (await fetch(url, { signal: AbortSignal.timeout(5000) })).json()) as typeof r;
    } catch (e) {
      if (attempt < 5) {
        await sleep(1000 * attempt);
        continue;
      }
      throw new Error(`${url}: no answer after ${attempt} tries: ${failure(e)}`);
    }
    if (!r.result) throw new Error(`${url}: ${r.error?.data ?? "no result"}`);
    return r.result;
  }
};

export interface InvariantReport {
  readonly checkedHeight: number;
  readonly violations: string[];
  readonly state?: Readonly<State>;
}

/** Checks the nodes given (default: all that answer) up to their lowest common height. */
export const checkInvariants = async (
  s: TestnetState,
  o: { nodes?: readonly string[]; replay?: boolean } = {},
): Promise<InvariantReport> => {
  const nodes = s.nodes.filter((n) => !o.nodes || o.nodes.includes(n.name));
  const violations: string[] = [];
  const heights = await Promise.all(
    nodes.map(async (n) =>
      Number(
        (await get<{ sync_info: { latest_block_height: string } }>(`${rpcUrl(n)}/status`)).sync_info
          .latest_block_height,
      ),
    ),
  );
  const top = Math.min(...heights);
  // App hash per node: ABCI Info's last height/app hash must match the next header.
  for (const n of nodes) {
    const info = await get<{
      response: { last_block_height: string; last_block_app_hash: string };
    }>(`${rpcUrl(n)}/abci_info`);
    const h = Number(info.response.last_block_height);
    const next = await get<BlockRes>(`${rpcUrl(n)}/block?height=${h + 1}`).catch(() => undefined);
    if (!next) continue; // h+1 not committed on this node yet
    const appHash = Buffer.from(info.response.last_block_app_hash ?? "", "base64")
      .toString("hex")
      .toUpperCase();
    if (next.block.header.app_hash !== appHash)
      violations.push(
        `${n.name}: app hash after height ${h} is ${appHash}, the header of ${h + 1} says ${next.block.header.app_hash}`,
      );
  }
  // Blocks and headers identical across nodes.
  for (let h = 1; h <= top; h++) {
    const blocks = await Promise.all(
      nodes.map((n) => get<BlockRes>(`${rpcUrl(n)}/block?height=${h}`)),
    );
    const ref = blocks[0]!;
    blocks.forEach((b, i) => {
      if (b.block_id.hash !== ref.block_id.hash)
        violations.push(
          `height ${h}: ${nodes[i]!.name} has block ${b.block_id.hash}, ${nodes[0]!.name} has ${ref.block_id.hash}`,
        );
      if (b.block.header.app_hash !== ref.block.header.app_hash)
        violations.push(
          `height ${h}: ${nodes[i]!.name} header app hash ${b.block.header.app_hash} ≠ ${ref.block.header.app_hash}`,
        );
    });
  }
  let state: Readonly<State> | undefined;
  if (o.replay !== false) {
    const f = new ChainFollower(rpcUrl(nodes[0]!), () => {});
    try {
      await f.init();
      await new Promise<void>((resolve, reject) => {
        f.run(async (b) => {
          if (b.height >= top) resolve();
        }).catch(reject);
      }).catch((e: unknown) =>
        violations.push(`replay: ${e instanceof Error ? e.message : String(e)}`),
      );
      state = f.state;
      for (const v of checkState(f.state)) violations.push(`state at height ${f.height}: ${v}`);
    } finally {
      f.stop();
    }
  }
  return { checkedHeight: top, violations, ...(state ? { state } : {}) };
};
