/**
 * Every fault knob of a simulation in one documented object (after
 * TigerBeetle's `Simulator.Options`): one field per fault, probabilities as
 * integer ratios in basis points (parts of 10,000), durations as integer
 * virtual milliseconds. No floats, so a scenario file means the same run on
 * every machine. Scenario files override any subset (`faults: { … }`), and an
 * actor group may override the network and liveness fields for its own links.
 */
import { Schema } from "effect";

/** Basis points: 10,000 = certain, 0 = never. */
export const BPS = 10_000;

// The fault fields below are the one list: the scenario schema (scenario.ts)
// takes them as optional keys, the option types are their decoded types, and
// checkFaults' ratio and duration checks are read off their schemas.
const Ms = Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(0)));
const PositiveMs = Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(1)));
const Ratio = Schema.Int.pipe(
  Schema.check(Schema.isGreaterThanOrEqualTo(0)),
  Schema.check(Schema.isLessThanOrEqualTo(BPS)),
);

/** The decoded object of a field list: one readonly property per field (its doc comment kept). */
export type FieldsType<F> = {
  readonly [K in keyof F]: F[K] extends { readonly Type: infer T } ? T : never;
};

/** The link between one actor and the chain (its mempool and block feed). */
export const linkFields = {
  /** Latency of a tx from the actor to the mempool: uniform in [min, max] ms. */
  latencyMsMin: Ms,
  latencyMsMax: Ms,
  /** Chance that a tx instead takes a slow path, uniform in (max, tailMsMax]. */
  latencyTailBps: Ratio,
  latencyTailMsMax: Ms,
  /** Chance that a tx is lost on the way (never reaches the mempool). */
  lossBps: Ratio,
  /** Chance that a tx is delivered twice (the copy takes its own latency). */
  duplicateBps: Ratio,
};
export type LinkOptions = FieldsType<typeof linkFields>;

/**
 * Per-actor liveness as a three-state Markov chain (online / spotty /
 * offline), stepped every `livenessStepMs`. Spotty actors perform each
 * action (a tx, a block signature) with chance `spottyActBps`; offline
 * actors do nothing and see nothing. All transitions 0 = always online, and
 * then the chain costs nothing to run.
 */
export const livenessFields = {
  onlineToSpottyBps: Ratio,
  onlineToOfflineBps: Ratio,
  spottyToOnlineBps: Ratio,
  spottyToOfflineBps: Ratio,
  offlineToOnlineBps: Ratio,
  offlineToSpottyBps: Ratio,
  spottyActBps: Ratio,
};
export type LivenessOptions = FieldsType<typeof livenessFields>;

/** Node faults, drawn per actor at each liveness step. */
export const nodeFaultFields = {
  /** Crash: the actor loses its memory (pending work, plans) and restarts later. */
  crashBps: Ratio,
  restartMsMin: Ms,
  restartMsMax: Ms,
  /** Pause (a SIGSTOP): the actor keeps its memory; its timers fire after it resumes. */
  pauseBps: Ratio,
  pauseMsMin: Ms,
  pauseMsMax: Ms,
};
export type NodeFaultOptions = FieldsType<typeof nodeFaultFields>;

/** Every per-link fault knob: what a scenario's `faults` and an actor group's `faults` may set. */
export const linkFaultFields = {
  ...linkFields,
  ...livenessFields,
  ...nodeFaultFields,
  /** Interval of the liveness chain and node-fault draws. */
  livenessStepMs: PositiveMs,
};

/** A network partition: the listed actors can not reach the chain in [startMs, endMs). */
export const PartitionSchema = Schema.Struct({
  startMs: Ms,
  endMs: PositiveMs,
  /** Actor groups (ActorInfo.group) or kinds (ActorInfo.kind) cut off. */
  actors: Schema.Array(Schema.String),
});
export type Partition = typeof PartitionSchema.Type;

export interface FaultOptions extends FieldsType<typeof linkFaultFields> {
  readonly partitions: readonly Partition[];
}

export const defaultFaults = (): FaultOptions => ({
  latencyMsMin: 50,
  latencyMsMax: 400,
  latencyTailBps: 0,
  latencyTailMsMax: 5_000,
  lossBps: 0,
  duplicateBps: 0,
  onlineToSpottyBps: 0,
  onlineToOfflineBps: 0,
  spottyToOnlineBps: 0,
  spottyToOfflineBps: 0,
  offlineToOnlineBps: 0,
  offlineToSpottyBps: 0,
  spottyActBps: 5_000,
  crashBps: 0,
  restartMsMin: 30_000,
  restartMsMax: 300_000,
  pauseBps: 0,
  pauseMsMin: 5_000,
  pauseMsMax: 60_000,
  livenessStepMs: 60_000,
  partitions: [],
});

/** Engine knobs that are not faults. */
export interface EngineOptions {
  /** Virtual time between blocks (CometBFT timeout_commit + propose). */
  readonly blockTimeMs: number;
  /** Extra time a block takes per proposer round skipped (proposer offline). */
  readonly roundTimeoutMs: number;
  /** Proposer rounds tried before a block is produced by the next online validator anyway. */
  readonly maxRounds: number;
  /** Block limits: gas (see gasOf in mempool.ts) and transaction count. */
  readonly maxBlockGas: number;
  readonly maxBlockTxs: number;
  /** Mempool bound: txs arriving at a full mempool are dropped. */
  readonly mempoolMaxTxs: number;
  /**
   * Walk the whole state with the invariant checkers every this many blocks
   * (1 = every block; default 50). In between, what each block changed is
   * checked (sim/checker.ts), so the invariants are checked after every block.
   */
  readonly invariantEveryBlocks: number;
}

export const defaultEngine = (): EngineOptions => ({
  blockTimeMs: 5_000,
  roundTimeoutMs: 3_000,
  maxRounds: 4,
  maxBlockGas: 20_000_000,
  maxBlockTxs: 20_000,
  mempoolMaxTxs: 200_000,
  invariantEveryBlocks: 50,
});

const fieldsOf = (schema: unknown): readonly (keyof FaultOptions)[] =>
  (Object.keys(linkFaultFields) as (keyof typeof linkFaultFields)[]).filter(
    (k) => linkFaultFields[k] === schema,
  );
const nonNegative = fieldsOf(Ms);
const ratios = fieldsOf(Ratio);

/** The first thing wrong with a fault options object, or undefined. */
export const checkFaults = (f: FaultOptions): string | undefined => {
  for (const k of ratios) {
    const v = f[k] as number;
    if (!Number.isSafeInteger(v) || v < 0 || v > BPS)
      return `faults.${k} is ${v}: a ratio in basis points must be an integer in 0..10000`;
  }
  for (const k of nonNegative) {
    const v = f[k] as number;
    if (!Number.isSafeInteger(v) || v < 0)
      return `faults.${k} is ${v}: must be a non-negative integer of ms`;
  }
  if (f.latencyMsMax < f.latencyMsMin) return "faults.latencyMsMax must be at least latencyMsMin";
  if (f.latencyTailMsMax < f.latencyMsMax)
    return "faults.latencyTailMsMax must be at least latencyMsMax";
  if (f.restartMsMax < f.restartMsMin) return "faults.restartMsMax must be at least restartMsMin";
  if (f.pauseMsMax < f.pauseMsMin) return "faults.pauseMsMax must be at least pauseMsMin";
  if (!Number.isSafeInteger(f.livenessStepMs) || f.livenessStepMs < 1)
    return "faults.livenessStepMs must be a positive integer";
  if (f.onlineToSpottyBps + f.onlineToOfflineBps > BPS)
    return "faults: onlineToSpottyBps + onlineToOfflineBps exceeds 10000";
  if (f.spottyToOnlineBps + f.spottyToOfflineBps > BPS)
    return "faults: spottyToOnlineBps + spottyToOfflineBps exceeds 10000";
  if (f.offlineToOnlineBps + f.offlineToSpottyBps > BPS)
    return "faults: offlineToOnlineBps + offlineToSpottyBps exceeds 10000";
  for (const [i, p] of f.partitions.entries()) {
    if (
      !Number.isSafeInteger(p.startMs) ||
      !Number.isSafeInteger(p.endMs) ||
      p.startMs < 0 ||
      p.endMs <= p.startMs
    )
      return `faults.partitions[${i}]: need integers 0 ≤ startMs < endMs`;
  }
  return undefined;
};

/** Whether the liveness chain / node faults ever change anything (if not, they are not stepped). */
export const livenessActive = (f: FaultOptions): boolean =>
  f.onlineToSpottyBps + f.onlineToOfflineBps + f.crashBps + f.pauseBps > 0;
