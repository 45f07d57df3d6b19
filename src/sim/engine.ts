/**
 * The discrete-event engine. Single-threaded; virtual time is an integer
 * number of milliseconds; everything that happens is an entry of one event
 * queue ordered by (time, sequence): block production, a transaction
 * reaching the mempool, an actor's timer, a liveness step, a restart. One
 * root Prng (the run's seed) is forked per subsystem (network, liveness,
 * actors, block randomness), so one subsystem drawing more never shifts
 * another's stream. There is no wall clock and no Math.random anywhere.
 *
 * Blocks come like CometBFT's: one every blockTimeMs; the proposer is drawn
 * by stake from the previous beacon, and each round whose proposer is down
 * (or withholds its block) costs roundTimeoutMs; a block needs > 2/3 of the
 * stake signing, else the chain halts until enough validators are back. The
 * block hash is `H(prev app hash ‖ height ‖ seed)`; the beacon is chained
 * from the proposer's unique signature by the node's rule (beacon.ts), each
 * validator's beacon key derived from the seed; txs come from the mempool in arrival
 * order up to the gas and count limits; the block is applied by the same
 * `applyBlock` the node runs; lastCommit carries which validators signed the
 * previous block, so offline validators miss blocks and are slashed for
 * downtime. After every block the protocol invariants run (checker.ts: what
 * the block changed, and the whole state every invariantEveryBlocks); a
 * violation stops the run.
 */
import { createHash } from "node:crypto";
import { toBinary } from "@bufbuild/protobuf";
import { type GenesisState, GenesisStateSchema } from "../gen/remes/v1/genesis_pb.ts";
import { Role } from "../gen/remes/v1/types_pb.ts";
import type { Actor, ActorIO, ChainView } from "../actors/actor.ts";
import { addressees } from "../actors/routing.ts";
import type { World } from "../actors/world.ts";
import { stateRoot } from "../protocol/apphash.ts";
import { everyUpgrade } from "../protocol/upgrades.ts";
import { type ProtocolCommand, signerOf } from "../protocol/commands.ts";
import type { BlockContext, ValidatorVote } from "../protocol/context.ts";
import { ErrorCode, isProtocolError } from "../protocol/errors.ts";
import type { EventCase, ProtocolEvent } from "../protocol/events.ts";
import { cloneState, initChain } from "../protocol/genesis.ts";
import { OffenceLedger } from "../protocol/invariants.ts";
import { applyBlock } from "../protocol/machine.ts";
import { beaconValue, simBeaconOutput, simBeaconSecret } from "../protocol/beacon.ts";
import { deriveSeed, hashParts, Prng, sortition } from "../protocol/randomness.ts";
import { isActive } from "../protocol/staking.ts";
import { hex, roleKey, type RoleRecord, type State } from "../protocol/state.ts";
import { InvariantChecker } from "./checker.ts";
import { EventQueue } from "./heap.ts";
import { EventLogHasher } from "./eventlog.ts";
import { Mempool, type SimTx } from "./mempool.ts";
import { BPS, type EngineOptions, type FaultOptions, livenessActive } from "./options.ts";
import type { RunEnd, RunSink } from "./sink.ts";

const enum Kind {
  Block,
  Tx,
  Wake,
  Step,
  Restart,
}

/** A tx on its way to the mempool is its own queue item (no wrapper object per tx). */
interface TxItem extends SimTx {
  readonly k: Kind.Tx;
}

type Item =
  | { readonly k: Kind.Block; readonly delayed: boolean }
  | TxItem
  | {
      readonly k: Kind.Wake;
      readonly actor: number;
      readonly epoch: number;
      readonly fn: () => void;
    }
  | { readonly k: Kind.Step; readonly actor: number }
  | { readonly k: Kind.Restart; readonly actor: number; readonly epoch: number };

const enum Live {
  Online = 0,
  Spotty = 1,
  Offline = 2,
}

export interface EngineConfig {
  readonly scenario: string;
  readonly seed: number;
  readonly config: Readonly<Record<string, unknown>>;
  readonly genesis: GenesisState;
  readonly actors: readonly Actor[];
  /** Fault options per actor (the scenario's, with the actor group's overrides). */
  readonly faults: readonly FaultOptions[];
  readonly partitions: FaultOptions["partitions"];
  readonly world: World;
  readonly engine: EngineOptions;
  readonly prng: Prng;
  readonly sink: RunSink;
  readonly onProgress?: (height: number, planned: number) => void;
}

/**
 * The genesis state root, remembered by the genesis' encoding: every seed of
 * a scenario starts from the same genesis, and its root (a Merkle tree over
 * every account and role) was a tenth of a 1,000-miner run's time in a
 * Monte Carlo. The root is a function of the genesis alone.
 */
const genesisRoots = new Map<string, Uint8Array>();

const genesisRoot = (genesis: GenesisState, state: State): Uint8Array => {
  const key = createHash("sha256").update(toBinary(GenesisStateSchema, genesis)).digest("hex");
  let root = genesisRoots.get(key);
  if (root === undefined) {
    root = stateRoot(state);
    if (genesisRoots.size >= 16) genesisRoots.delete(genesisRoots.keys().next().value!);
    genesisRoots.set(key, root);
  }
  return root.slice();
};

/** Unix time of the simulated genesis (block times are this plus virtual time). */
export const GENESIS_TIME_MS = 1_700_000_000_000n;

export interface EngineStats {
  txsSent: number;
  txsLost: number;
  /** Txs an actor tried to send for another address: a node refuses them at the signature check, so they never reach a block. */
  txsForged: number;
  txsIncluded: number;
  txsRejected: number;
  /** Times a censoring proposer left a tx out of its block (a tx left out twice counts twice). */
  txsCensored: number;
  /** Blocks a grinding proposer tried (applied on a copy of the state) to pick the next block's beacon. */
  grindTrials: number;
  /** Blocks a grinding proposer withheld because the next round's proposer's beacon suited it better. */
  beaconWithheld: number;
  stalledRounds: number;
  rejectedByCode: Map<number, number>;
  /** The first rejection log per code (to see what actors got wrong). */
  rejectedSample: Map<number, string>;
  /** Rejections by `${command case}/${ProtocolError name}` (e.g. "voteLossCheck/wrongPhase"). */
  rejectedByReason: Map<string, number>;
  /** The first rejection log per reason. */
  rejectedReasonSample: Map<string, string>;
}

/** Error name of a rejection code (codes are stable; unknown codes keep their number). */
const errorNameOf = new Map<number, string>(
  Object.entries(ErrorCode).map(([name, code]) => [code, name]),
);

/** The rejection reasons, most frequent first (ties by name), as a plain object for JSON. */
export const rejectionsByReason = (stats: EngineStats): Record<string, number> =>
  Object.fromEntries(
    [...stats.rejectedByReason].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1)),
  );

export class Engine {
  readonly #q = new EventQueue<Item>();
  #now = 0;
  state: State;
  appHash: Uint8Array;
  readonly #hasher = new EventLogHasher();
  readonly #mempool: Mempool;
  readonly #offences = new OffenceLedger();
  readonly #checker: InvariantChecker;
  readonly #cfg: EngineConfig;
  readonly #seedBytes: Uint8Array;
  readonly #net: Prng;
  readonly #live: Prng;
  readonly #signing: Prng;
  readonly #status: Uint8Array;
  readonly #down: Uint8Array;
  readonly #pausedUntil: number[];
  readonly #epoch: Int32Array;
  readonly #ios: ActorIO[];
  readonly #byAddress = new Map<string, number>();
  readonly #subscribers = new Map<EventCase, number[]>();
  readonly #validatorKeys = new Set<string>();
  readonly #partitioned: (readonly { startMs: number; endMs: number }[])[];
  readonly #inbox: (ProtocolEvent[] | undefined)[];
  #prevVotes: ValidatorVote[] = [];
  /** B[h−1], the beacon of the last block (B[0]: the genesis root). */
  #beacon!: Uint8Array;
  /** The proposer that withholds its block at a height (a grinding attacker; one per height). */
  #withheld: { readonly height: number; readonly address: string } | undefined;
  readonly #beaconSecrets = new Map<string, Uint8Array>();
  #nextTxId = 0;
  readonly view: { height: number; timeMs: number; state: State };
  readonly stats: EngineStats = {
    txsSent: 0,
    txsLost: 0,
    txsForged: 0,
    txsIncluded: 0,
    txsRejected: 0,
    txsCensored: 0,
    grindTrials: 0,
    beaconWithheld: 0,
    stalledRounds: 0,
    rejectedByCode: new Map(),
    rejectedSample: new Map(),
    rejectedByReason: new Map(),
    rejectedReasonSample: new Map(),
  };

  constructor(cfg: EngineConfig) {
    this.#cfg = cfg;
    const s = initChain(cfg.genesis);
    if (isProtocolError(s))
      throw new Error(`scenario ${cfg.scenario}: invalid genesis: ${s.message}`);
    this.state = s;
    this.appHash = genesisRoot(cfg.genesis, s);
    this.#beacon = this.appHash.slice();
    this.#checker = new InvariantChecker(s);
    this.#seedBytes = hashParts("sim/seed", cfg.seed);
    this.#mempool = new Mempool(cfg.engine.mempoolMaxTxs);
    this.#net = cfg.prng.fork("network");
    this.#live = cfg.prng.fork("liveness");
    this.#signing = cfg.prng.fork("signing");
    const n = cfg.actors.length;
    this.#status = new Uint8Array(n);
    this.#down = new Uint8Array(n);
    this.#pausedUntil = new Array<number>(n).fill(0);
    this.#epoch = new Int32Array(n);
    this.#inbox = new Array(n);
    this.view = { height: s.height, timeMs: 0, state: s };
    for (const r of s.roles.values())
      if (r.role === Role.VALIDATOR) this.#validatorKeys.add(roleKey(r.role, r.address));
    this.#partitioned = cfg.actors.map((a) =>
      cfg.partitions
        .filter((p) => p.actors.includes(a.info.group) || p.actors.includes(a.info.kind))
        .map((p) => ({ startMs: p.startMs, endMs: p.endMs })),
    );
    this.#ios = cfg.actors.map((a, i) => this.#makeIo(i, cfg.prng.fork("actor", a.info.address)));
    cfg.actors.forEach((a, i) => {
      if (this.#byAddress.has(a.info.address))
        throw new Error(`scenario ${cfg.scenario}: two actors share the address ${a.info.address}`);
      this.#byAddress.set(a.info.address, i);
      for (const c of a.subscriptions) {
        let list = this.#subscribers.get(c);
        if (!list) this.#subscribers.set(c, (list = []));
        list.push(i);
      }
    });
  }

  #makeIo(i: number, prng: Prng): ActorIO {
    const engine = this;
    return {
      get nowMs() {
        return engine.#now;
      },
      chain: this.view as ChainView,
      blockTimeMs: this.#cfg.engine.blockTimeMs,
      prng,
      world: this.#cfg.world,
      submit: (cmd) => this.#submit(i, cmd),
      wake: (delayMs, fn) =>
        this.#q.push(this.#now + Math.max(0, Math.floor(delayMs)), {
          k: Kind.Wake,
          actor: i,
          epoch: this.#epoch[i]!,
          fn,
        }),
    };
  }

  get nowMs(): number {
    return this.#now;
  }

  get events(): number {
    return this.#hasher.events;
  }

  // --- actors' reachability ---

  #partitionedNow(i: number): boolean {
    const parts = this.#partitioned[i]!;
    for (let k = 0; k < parts.length; k++)
      if (this.#now >= parts[k]!.startMs && this.#now < parts[k]!.endMs) return true;
    return false;
  }

  /** Whether the actor's node runs and can reach the chain now. */
  #reachable(i: number): boolean {
    return (
      this.#down[i] === 0 &&
      this.#pausedUntil[i]! <= this.#now &&
      this.#status[i] !== Live.Offline &&
      !this.#partitionedNow(i)
    );
  }

  /** Whether the tx reached the actor's node (ActorIO.submit). */
  #submit(i: number, cmd: ProtocolCommand): boolean {
    this.stats.txsSent++;
    // The node checks that a tx is signed by the command's signer; an actor holds only its own key.
    if (signerOf(cmd) !== this.#cfg.actors[i]!.info.address) {
      this.stats.txsForged++;
      return false;
    }
    const f = this.#cfg.faults[i]!;
    if (
      !this.#reachable(i) ||
      (this.#status[i] === Live.Spotty && !this.#net.chance(f.spottyActBps, BPS)) ||
      (f.lossBps > 0 && this.#net.chance(f.lossBps, BPS))
    ) {
      this.stats.txsLost++;
      return false;
    }
    const tx: TxItem = {
      k: Kind.Tx,
      id: this.#nextTxId++,
      cmd,
      from: this.#cfg.actors[i]!.info.address,
    };
    this.#q.push(this.#now + this.#latency(f), tx);
    if (f.duplicateBps > 0 && this.#net.chance(f.duplicateBps, BPS))
      this.#q.push(this.#now + this.#latency(f), tx);
    return true;
  }

  #latency(f: FaultOptions): number {
    if (
      f.latencyTailBps > 0 &&
      this.#net.chance(f.latencyTailBps, BPS) &&
      f.latencyTailMsMax > f.latencyMsMax
    ) {
      return f.latencyMsMax + 1 + this.#net.below(f.latencyTailMsMax - f.latencyMsMax);
    }
    return f.latencyMsMin + this.#net.below(f.latencyMsMax - f.latencyMsMin + 1);
  }

  // --- liveness chain and node faults ---

  #step(i: number): void {
    const f = this.#cfg.faults[i]!;
    this.#q.push(this.#now + f.livenessStepMs, { k: Kind.Step, actor: i });
    if (this.#down[i] === 1) return;
    const r = this.#live.below(BPS);
    const s = this.#status[i]!;
    if (s === Live.Online)
      this.#status[i] =
        r < f.onlineToSpottyBps
          ? Live.Spotty
          : r < f.onlineToSpottyBps + f.onlineToOfflineBps
            ? Live.Offline
            : Live.Online;
    else if (s === Live.Spotty)
      this.#status[i] =
        r < f.spottyToOnlineBps
          ? Live.Online
          : r < f.spottyToOnlineBps + f.spottyToOfflineBps
            ? Live.Offline
            : Live.Spotty;
    else
      this.#status[i] =
        r < f.offlineToOnlineBps
          ? Live.Online
          : r < f.offlineToOnlineBps + f.offlineToSpottyBps
            ? Live.Spotty
            : Live.Offline;
    if (f.crashBps > 0 && this.#live.chance(f.crashBps, BPS)) {
      this.#down[i] = 1;
      this.#epoch[i]!++;
      this.#cfg.actors[i]!.reset();
      this.#q.push(
        this.#now + f.restartMsMin + this.#live.below(f.restartMsMax - f.restartMsMin + 1),
        { k: Kind.Restart, actor: i, epoch: this.#epoch[i]! },
      );
    } else if (
      f.pauseBps > 0 &&
      this.#pausedUntil[i]! <= this.#now &&
      this.#live.chance(f.pauseBps, BPS)
    ) {
      this.#pausedUntil[i] =
        this.#now + f.pauseMsMin + this.#live.below(f.pauseMsMax - f.pauseMsMin + 1);
    }
  }

  // --- validators ---

  /** Consensus keys in hex by their bytes (a role's key bytes are kept, not rebuilt, so each is converted once). */
  readonly #keyHexes = new WeakMap<Uint8Array, string>();

  #keyHex(pubkey: Uint8Array): string {
    let h = this.#keyHexes.get(pubkey);
    if (h === undefined) this.#keyHexes.set(pubkey, (h = hex(pubkey)));
    return h;
  }

  #activeValidators(): RoleRecord[] {
    const out: RoleRecord[] = [];
    for (const k of this.#validatorKeys) {
      const r = this.state.roles.get(k);
      // CometBFT's set is the protocol's (consensus-set.ts): a jailed, capped-out or keyless validator neither proposes nor votes.
      if (r && isActive(this.state, r) && this.state.consensusSet.has(this.#keyHex(r.pubkey)))
        out.push(r);
    }
    return out.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  }

  /** A validator without an actor is an always-up node; an actor's node is up when reachable. */
  #validatorUp(address: string): boolean {
    const i = this.#byAddress.get(address);
    return i === undefined || this.#reachable(i);
  }

  #signs(address: string): boolean {
    const i = this.#byAddress.get(address);
    if (i === undefined) return true;
    if (!this.#reachable(i)) return false;
    return (
      this.#status[i] !== Live.Spotty ||
      this.#signing.chance(this.#cfg.faults[i]!.spottyActBps, BPS)
    );
  }

  // --- blocks ---

  /** Produces one block now, or defers it past skipped proposer rounds, or halts this round. */
  #block(delayed: boolean): "committed" | "deferred" | "halted" {
    const cfg = this.#cfg;
    const height = this.state.height + 1;
    const validators = this.#activeValidators();
    const order = sortition(
      validators.map((v) => ({ id: v.address, weight: v.stake })),
      Math.min(cfg.engine.maxRounds, validators.length),
      deriveSeed(this.#beacon, "sim/proposer", height),
    );
    const withheld = this.#withheld?.height === height ? this.#withheld.address : undefined;
    let round = order.findIndex((v) => v !== withheld && this.#validatorUp(v));
    if (withheld === undefined && round >= 0 && this.#withholds(order, round, height)) {
      this.#withheld = { height, address: order[round]! };
      this.stats.beaconWithheld++;
      this.#q.push(this.#now + cfg.engine.roundTimeoutMs, { k: Kind.Block, delayed: true });
      return "deferred";
    }
    if (!delayed && round > 0) {
      this.#q.push(this.#now + round * cfg.engine.roundTimeoutMs, { k: Kind.Block, delayed: true });
      return "deferred";
    }
    // Commit needs > 2/3 of the stake: who would sign this block now.
    let total = 0n;
    let signed = 0n;
    const votes: ValidatorVote[] = [];
    for (const v of validators) {
      const s = this.#signs(v.address);
      total += v.stake;
      if (s) signed += v.stake;
      votes.push({ address: v.address, signed: s });
    }
    if (validators.length > 0 && signed * 3n <= total * 2n) {
      this.stats.stalledRounds++;
      return "halted";
    }
    if (round < 0) round = 0;
    let txs = this.#mempool.reap(cfg.engine.maxBlockGas, cfg.engine.maxBlockTxs);
    // A proposer's actor that censors (an attacker; honest actors define no `censor`) picks what its block leaves out.
    const author = cfg.actors[this.#byAddress.get(order[round] ?? "") ?? -1];
    if (author?.censor) txs = this.#censor(author, txs);
    let ctx: BlockContext = {
      height,
      timeMs: GENESIS_TIME_MS + BigInt(this.#now),
      blockHash: hashParts("sim/block", this.appHash, height, this.#seedBytes),
      ...this.#beaconOf(order[round] ?? "", height, this.#beacon),
      proposer: order[round] ?? "",
      lastCommit: this.#prevVotes,
      misbehavior: [],
    };
    const grinder = author?.grind?.(this.state, height + 1);
    if (grinder) ctx = this.#grind(author!, txs, ctx, grinder);
    // The simulated network's operators upgrade in time: a due software upgrade runs with the empty migration.
    const r = applyBlock(
      this.state,
      ctx,
      txs.map((t) => [t.cmd]),
      this.appHash,
      this.#hasher.blockHash,
      undefined,
      everyUpgrade,
    );
    this.state = r.state;
    this.appHash = r.appHash;
    this.#beacon = ctx.beacon;
    this.#prevVotes = votes;
    let rejected = 0;
    for (let k = 0; k < r.txResults.length; k++) {
      const t = r.txResults[k]!;
      if (t.code === 0) continue;
      rejected++;
      this.stats.rejectedByCode.set(t.code, (this.stats.rejectedByCode.get(t.code) ?? 0) + 1);
      if (!this.stats.rejectedSample.has(t.code)) this.stats.rejectedSample.set(t.code, t.log);
      const reason = `${txs[k]!.cmd.case}/${errorNameOf.get(t.code) ?? t.code}`;
      this.stats.rejectedByReason.set(reason, (this.stats.rejectedByReason.get(reason) ?? 0) + 1);
      if (!this.stats.rejectedReasonSample.has(reason))
        this.stats.rejectedReasonSample.set(reason, t.log);
    }
    this.stats.txsIncluded += txs.length;
    this.stats.txsRejected += rejected;
    for (const e of r.events)
      if (e.case === "roleRegistered" && e.value.role === Role.VALIDATOR)
        this.#validatorKeys.add(roleKey(Role.VALIDATOR, e.value.address));
    this.view.height = height;
    this.view.timeMs = this.#now;
    this.view.state = this.state;
    this.#violations = this.#offences.observe(r.events);
    const bad = this.#checker.afterBlock(
      this.state,
      r.events,
      height % cfg.engine.invariantEveryBlocks === 0,
    );
    if (bad.length > 0) this.#violations.push(...bad);
    cfg.sink.block({
      height,
      timeMs: this.#now,
      events: r.events,
      appHash: this.appHash,
      txs: txs.length,
      rejectedTxs: rejected,
      state: this.state,
      context: ctx,
      commands: txs.map((t) => t.cmd),
    });
    if (this.#violations.length === 0) this.#route(r.events);
    return "committed";
  }

  #violations: string[] = [];

  /** Block `height`'s beacon if `proposer` proposes it after `previous` (its unique signature: beacon.ts). */
  #beaconOf(
    proposer: string,
    height: number,
    previous: Uint8Array,
  ): { beacon: Uint8Array; beaconOutput: Uint8Array } {
    if (proposer === "")
      return { beacon: beaconValue(height, new Uint8Array(0)), beaconOutput: new Uint8Array(0) };
    let secret = this.#beaconSecrets.get(proposer);
    if (secret === undefined)
      this.#beaconSecrets.set(proposer, (secret = simBeaconSecret(this.#seedBytes, proposer)));
    const beaconOutput = simBeaconOutput(secret, height, previous);
    return { beacon: beaconValue(height, beaconOutput), beaconOutput };
  }

  /**
   * Whether the round's proposer (a grinding attacker) withholds its block: the one
   * choice a unique-signature beacon leaves it. It compares the panels its own
   * beacon draws with those of the next round's proposer and declines when those
   * score better (the round timeout and its block are the price).
   */
  #withholds(order: readonly string[], round: number, height: number): boolean {
    const author = this.#cfg.actors[this.#byAddress.get(order[round]!) ?? -1];
    const score = author?.grind?.(this.state, height);
    if (!score) return false;
    const next = order.findIndex((v, i) => i > round && this.#validatorUp(v));
    if (next < 0) return false;
    this.stats.grindTrials += 2;
    return (
      score(this.#beaconOf(order[next]!, height, this.#beacon).beacon) >
      score(this.#beaconOf(order[round]!, height, this.#beacon).beacon)
    );
  }

  /**
   * A grinding proposer's block: it tries its block with timestamps 0..grindCandidates
   * ms later (a proposer picks its block's time, within the consensus' precision),
   * each on a copy of the state, scores the next block's beacon each gives (the one
   * its first-round proposer would sign: the proposer is drawn from this block's
   * beacon and signs it, so every candidate gives the same), and keeps the best
   * (the earliest on ties). Against the block hash this captured most panels.
   */
  #grind(
    author: Actor,
    txs: readonly SimTx[],
    ctx: BlockContext,
    score: (nextBeacon: Uint8Array) => number,
  ): BlockContext {
    let best = ctx;
    let bestScore = Number.NEGATIVE_INFINITY;
    const cmds = txs.map((t) => [t.cmd]);
    for (let k = 0; k <= (author.grindCandidates ?? 0); k++) {
      const candidate = { ...ctx, timeMs: ctx.timeMs + BigInt(k) };
      const trial = applyBlock(cloneState(this.state), candidate, cmds, this.appHash);
      const v = score(this.#nextBeacon(trial.state, candidate));
      this.stats.grindTrials++;
      if (v > bestScore) {
        bestScore = v;
        best = candidate;
      }
    }
    return best;
  }

  /** The beacon of the block after `ctx` as its first-round proposer (if up now) would sign it. */
  #nextBeacon(state: Readonly<State>, ctx: BlockContext): Uint8Array {
    const validators: RoleRecord[] = [];
    for (const k of this.#validatorKeys) {
      const r = state.roles.get(k);
      if (r && isActive(state, r)) validators.push(r);
    }
    const order = sortition(
      validators.map((v) => ({ id: v.address, weight: v.stake })),
      validators.length,
      deriveSeed(ctx.beacon, "sim/proposer", ctx.height + 1),
    );
    return this.#beaconOf(order.find((v) => this.#validatorUp(v)) ?? "", ctx.height + 1, ctx.beacon)
      .beacon;
  }

  /** The txs a censoring proposer keeps; those it leaves out go back to the mempool's head. */
  #censor(author: Actor, txs: SimTx[]): SimTx[] {
    const kept: SimTx[] = [];
    const left: SimTx[] = [];
    for (const t of txs) (author.censor!(t.cmd, this.state) ? left : kept).push(t);
    this.#mempool.putBack(left);
    this.stats.txsCensored += left.length;
    return kept;
  }

  /** Hands each actor the block's events it subscribed to or that name it. */
  #route(events: readonly ProtocolEvent[]): void {
    const touched: number[] = [];
    const push = (i: number, e: ProtocolEvent) => {
      const box = this.#inbox[i];
      if (box) box.push(e);
      else {
        this.#inbox[i] = [e];
        touched.push(i);
      }
    };
    // Indexed loops: a block of ~200 events reaches ~10,000 inboxes at a window's opening.
    for (let k = 0; k < events.length; k++) {
      const e = events[k]!;
      const subs = this.#subscribers.get(e.case);
      if (subs) for (let j = 0; j < subs.length; j++) push(subs[j]!, e);
      const to = addressees(e);
      for (let j = 0; j < to.length; j++) {
        const i = this.#byAddress.get(to[j]!);
        if (i !== undefined) push(i, e);
      }
    }
    touched.sort((a, b) => a - b);
    for (let k = 0; k < touched.length; k++) {
      const i = touched[k]!;
      const box = this.#inbox[i]!;
      this.#inbox[i] = undefined;
      if (this.#reachable(i)) this.#cfg.actors[i]!.onEvents(box, this.#ios[i]!);
    }
  }

  /** Runs until `blocks` blocks are committed, an invariant breaks, or the chain halts for too long. */
  run(blocks: number): RunEnd {
    const cfg = this.#cfg;
    cfg.sink.start({
      scenario: cfg.scenario,
      seed: cfg.seed,
      config: cfg.config,
      params: this.state.params,
      actors: cfg.actors.map((a) => a.info),
      plannedBlocks: blocks,
    });
    cfg.actors.forEach((_, i) => {
      if (livenessActive(cfg.faults[i]!))
        this.#q.push(this.#live.below(cfg.faults[i]!.livenessStepMs), { k: Kind.Step, actor: i });
    });
    this.#q.push(cfg.engine.blockTimeMs, { k: Kind.Block, delayed: false });
    // A halted chain may recover when validators come back; give up after 4× the planned time.
    const deadlineMs = Math.max(blocks, 1) * cfg.engine.blockTimeMs * 4;
    let violation: RunEnd["violation"];
    const first = this.state.height;
    while (this.state.height - first < blocks) {
      const it = this.#q.next();
      if (it === undefined) break;
      this.#now = this.#q.timeMs;
      if (this.#now > deadlineMs) {
        violation = {
          height: this.state.height + 1,
          messages: [
            `liveness: the chain committed only ${this.state.height - first} of ${blocks} blocks in ${deadlineMs} ms of virtual time (validators with > 1/3 of the stake were down)`,
          ],
        };
        break;
      }
      switch (it.k) {
        case Kind.Block: {
          const outcome = this.#block(it.delayed);
          if (this.#violations.length > 0) {
            violation = { height: this.state.height, messages: this.#violations };
            break;
          }
          if (outcome === "halted")
            this.#q.push(this.#now + cfg.engine.roundTimeoutMs, { k: Kind.Block, delayed: true });
          else if (outcome === "committed") {
            this.#q.push(this.#now + cfg.engine.blockTimeMs, { k: Kind.Block, delayed: false });
            cfg.onProgress?.(this.state.height - first, blocks);
          }
          break;
        }
        case Kind.Tx:
          this.#mempool.add(it);
          break;
        case Kind.Wake: {
          if (it.epoch !== this.#epoch[it.actor]) break;
          const until = this.#pausedUntil[it.actor]!;
          if (until > this.#now) this.#q.push(until, it);
          else it.fn();
          break;
        }
        case Kind.Step:
          this.#step(it.actor);
          break;
        case Kind.Restart:
          if (it.epoch === this.#epoch[it.actor]) this.#down[it.actor] = 0;
          break;
      }
      if (violation) break;
    }
    return {
      blocks: this.state.height - first,
      events: this.#hasher.events,
      eventLogSha256: this.#hasher.digestHex(),
      appHash: hex(this.appHash),
      ...(violation ? { violation } : {}),
    };
  }
}
