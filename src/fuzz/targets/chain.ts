/**
 * Target "chain": a stream of a few blocks of fuzzed txs (the tx target's
 * inputs, mostly unmutated so that many run; some blocks after a few empty
 * ones, so windows open, close and settle) through three node apps that
 * must agree on every block, each committed:
 *
 * - A sees every tx in CheckTx first (its mempool caches verified txs and
 *   tracks sequences and spends across the stream), as a validator does;
 * - B gets FinalizeBlock only, as a node that never saw the txs;
 * - C gets FinalizeBlock only and, after each commit, rebuilds its state
 *   from its store (latest snapshot, every 2 blocks, then the event log,
 *   checking each app hash), as a node restarted between any two blocks.
 *
 * In some blocks A and C also answer what may reach a node between
 * FinalizeBlock and Commit: ABCI Info (/abci_info) and queries (/abci_query)
 * from RPC clients — Info once dropped the pending block there and stopped
 * the node — and a state-syncing peer's ListSnapshots and LoadSnapshotChunk
 * (C keeps snapshots); A also CheckTx of the block's own txs again (a peer's
 * gossip, before CometBFT locks the mempool for the Commit).
 *
 * A, which holds a consensus key, also answers PrepareProposal for the
 * txs of half the blocks under a fuzzed data limit, from exactly their size
 * down (test/node/prepare-proposal.test.ts covers full blocks).
 *
 * Oracles: no throw; the three agree on each block's app hash and every
 * tx's code; the state invariants hold and every account is a canonical
 * address after each block; A's proposal fits the limit as CometBFT counts
 * it (over it, CometBFT panics and the node halts) and holds only its
 * beacon tx and given txs, in order. The tx target checks one block at a time from
 * one state; this one catches what only shows across commits (a cache or
 * an index that outlives its block, state that the store does not keep).
 */
import { CheckTxType, type Request, type Response } from "cosmjs-types/tendermint/abci/types";
import fc from "fast-check";
import type { RemesApp } from "../../node/app.ts";
import { dataBytesOf } from "../../node/mempool.ts";
import { finalizeBlockRequest, prepareProposalRequest } from "../../node/testing/test-node.ts";
import { isBeaconTx } from "../../protocol/beacon.ts";
import { checkState } from "../../protocol/invariants.ts";
import { finding, type Finding } from "../finding.ts";
import { checkAccounts } from "../oracles.ts";
import type { FuzzTarget } from "../runner.ts";
import { ACTOR_KEYS, freshFuzzApp } from "../world.ts";

import { buildTx, type TxInput, txArb } from "./tx.ts";

/** A's consensus key: it proposes, so its PrepareProposal leads with a beacon tx. */
const FUZZ_BEACON_KEY = new Uint8Array(32).fill(7);

export interface ChainInput {
  /**
   * Each block of txs comes after `skip` empty blocks (windows open, close and settle in between);
   * `rpc`: between FinalizeBlock and Commit, A and C answer Info, queries and snapshot requests, A CheckTx of the block's txs.
   */
  readonly blocks: readonly {
    readonly skip: number;
    readonly txs: readonly TxInput[];
    readonly rpc?: boolean;
    /** PrepareProposal's data limit: this many bytes below the block's txs' own size (0: exactly full). */
    readonly room?: number;
  }[];
}

/**
 * Three txs in four with a sound envelope (no mutation, a good signature,
 * fee, gas limit and sequence; the messages as fuzzed), the fourth as the
 * tx target makes it: a stream of mostly refused txs would test little
 * across blocks.
 */
const streamTxArb = fc
  .tuple(txArb(), fc.nat(3), fc.constantFrom([], [{ denom: "uremes", amount: "5000" }]))
  .map(([t, k, fee]): TxInput =>
    k < 3
      ? {
          ...t,
          fee,
          gasLimit: 1_000_000n,
          sequenceDelta: 0n,
          mutations: [],
          badSignature: false,
        }
      : t,
  );

const chainArb = (): fc.Arbitrary<ChainInput> =>
  fc.record({
    blocks: fc.array(
      fc.record({
        skip: fc.oneof(
          { weight: 3, arbitrary: fc.constant(0) },
          { weight: 1, arbitrary: fc.nat(6) },
        ),
        txs: fc.array(streamTxArb, { maxLength: 4 }),
        rpc: fc.boolean(),
        // Half the blocks only: each proposal proves a VRF (a few ms).
        room: fc.option(fc.oneof(fc.constant(0), fc.nat(400), fc.nat(5_000)), {
          nil: undefined,
        }),
      }),
      { minLength: 1, maxLength: 4 },
    ),
  });

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** What RPC clients and peers may ask at any moment: ABCI Info, queries, snapshots and their chunks (through the app's handler, as CometBFT sends them). */
const rpcReads = (app: RemesApp): void => {
  app.handle({ info: {} } as Request, "info");
  for (const path of [
    "/remes.remes.v1.Query/Params",
    "/remes.remes.v1.Query/Window",
    "/remes.remes.v1.Query/Proposals",
  ])
    app.handle(
      { query: { path, data: new Uint8Array(0), height: 0n, prove: false } } as Request,
      "query",
    );
  // A state-syncing peer's requests, through CometBFT's snapshot connection.
  const snapshots = (app.handle({ listSnapshots: {} } as Request, "listSnapshots") as Response)
    .listSnapshots!.snapshots;
  for (const sn of snapshots.slice(-1))
    app.handle(
      { loadSnapshotChunk: { height: sn.height, format: sn.format, chunk: 0 } } as Request,
      "loadSnapshotChunk",
    );
};

/** Why A's PrepareProposal answer for `txs` under `room` breaks CometBFT's rules, or undefined. */
const proposalProblem = (a: RemesApp, txs: Uint8Array[], room: number): string | undefined => {
  const limit = Math.max(0, txs.reduce((n, t) => n + dataBytesOf(t), 0) - room);
  const r = a.handle(
    { prepareProposal: prepareProposalRequest(a.height + 1, txs, BigInt(limit)) } as Request,
    "prepareProposal",
  ) as Response;
  const out = r.prepareProposal!.txs;
  const size = out.reduce((n, t) => n + dataBytesOf(t), 0);
  if (size > limit) return `${out.length} txs of ${size} data bytes for a limit of ${limit}`;
  const given = out.filter((t) => !isBeaconTx(t)).map(hex);
  let i = 0;
  for (const t of txs.map(hex)) if (t === given[i]) i++;
  return i === given.length ? undefined : "txs not given, or out of their order";
};

export const checkChain = (input: ChainInput): Finding | undefined => {
  const a = freshFuzzApp(undefined, FUZZ_BEACON_KEY);
  const b = freshFuzzApp();
  const c = freshFuzzApp(2);
  // One block through the three apps; undefined when they agree, else what differs.
  const step = (k: number, txs: Uint8Array[], rpc = false, room?: number): Finding | undefined => {
    for (const tx of txs) a.checkTx(tx, CheckTxType.NEW);
    const oversize = room === undefined ? undefined : proposalProblem(a, txs, room);
    if (oversize)
      return finding("chain.proposal-oversize", `block ${k}: PrepareProposal answered ${oversize}`);
    const req = finalizeBlockRequest({ height: a.height + 1, txs });
    const results = [a, b, c].map((app: RemesApp) => {
      const r = app.finalizeBlock(req);
      if (rpc && app !== b) rpcReads(app);
      if (rpc && app === a) for (const tx of txs) a.checkTx(tx, CheckTxType.NEW);
      app.commit();
      return r;
    });
    c.load();
    const [ra, rb, rc] = results as [(typeof results)[0], (typeof results)[0], (typeof results)[0]];
    const codes = (r: typeof ra) => r.txResults.map((x) => x.code).join(",");
    if (codes(ra) !== codes(rb) || codes(ra) !== codes(rc))
      return finding(
        "chain.code-fork",
        `block ${k} (height ${req.height}): tx codes ${codes(ra)} after CheckTx, ${codes(rb)} without, ${codes(rc)} restarted`,
      );
    if (hex(ra.appHash) !== hex(rb.appHash) || hex(ra.appHash) !== hex(rc.appHash))
      return finding(
        "chain.app-hash-fork",
        `block ${k} (height ${req.height}): app hash ${hex(ra.appHash).slice(0, 16)} after CheckTx, ${hex(rb.appHash).slice(0, 16)} without, ${hex(rc.appHash).slice(0, 16)} restarted`,
      );
    if (hex(c.info().lastBlockAppHash) !== hex(ra.appHash))
      return finding(
        "chain.restart",
        `block ${k} (height ${req.height}): rebuilt from its store, the app reports app hash ${hex(c.info().lastBlockAppHash).slice(0, 16)}, not ${hex(ra.appHash).slice(0, 16)}`,
      );
    const state = a.state!;
    const broken = checkState(state);
    if (broken.length > 0)
      return finding("chain.invariant", `after block ${k}: ${broken.slice(0, 3).join("; ")}`);
    const accounts = checkAccounts(
      state.balances.keys(),
      [...state.roles.values()].map((x) => x.address),
      a.accounts.all().map((x) => x.address),
    );
    return accounts;
  };
  for (const [k, block] of input.blocks.entries()) {
    for (let i = 0; i < block.skip; i++) {
      const bad = step(k, []);
      if (bad) return bad;
    }
    // Sequences follow the signer's earlier txs in the block, as a wallet signing several at once does.
    const earlier = new Map<number, bigint>();
    const txs = block.txs.map((t) => {
      const who = t.signer % ACTOR_KEYS.length;
      const n = earlier.get(who) ?? 0n;
      earlier.set(who, n + 1n);
      return buildTx(t, a, n);
    });
    const bad = step(k, txs, block.rpc, block.room);
    if (bad) return bad;
  }
  return undefined;
};

export const chainTarget: FuzzTarget<ChainInput> = {
  name: "chain",
  description:
    "a few committed blocks of fuzzed txs through three node apps (CheckTx first, FinalizeBlock only, rebuilt from its store after each commit): the same codes and app hashes",
  ciRuns: 2_000,
  arbitrary: chainArb,
  check: checkChain,
};
