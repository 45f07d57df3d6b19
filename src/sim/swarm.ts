/**
 * Swarm runs, after TigerBeetle's VOPR: each seed draws a whole scenario —
 * fault knobs, an actor mix, protocol parameters, engine limits — runs it
 * for a few blocks with the invariants checked every block, and keeps the
 * drawn scenario as a file, so any failure is one `r3mes sim run` away.
 * "Swarm testing": every fault is switched on or off per seed, so seeds
 * reach combinations no hand-written scenario names (loss with crashes and
 * a partition of the proposers, say) as well as quiet runs.
 *
 * The draw is a pure function of the seed (the protocol's Prng), so the
 * same seed gives the same scenario on every machine.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { ParamsSchema } from "../gen/remes/v1/params_pb.ts";
import { defaultParams, longestSlashingDelay } from "../protocol/params.ts";
import { hashParts, Prng } from "../protocol/randomness.ts";
import { ACTOR_KINDS, type ActorKind } from "./actor-kinds.ts";
import { BPS } from "./options.ts";
import { reproduceLine, type RunResult, runScenario } from "./run.ts";
import { parseScenario } from "./scenario.ts";
import type { RunSink } from "./sink.ts";

/** Default blocks of a swarm run: a few windows of the drawn length. */
export const SWARM_BLOCKS = 100;

type Json = Record<string, unknown>;

/** Uniform integer in [lo, hi]. */
const between = (r: Prng, lo: number, hi: number): number => lo + r.below(hi - lo + 1);
/** A fault is on in about half the seeds (swarm testing), then drawn in [lo, hi]. */
const maybe = (r: Prng, lo: number, hi: number): number =>
  r.chance(1, 2) ? between(r, lo, hi) : 0;

/** Network link knobs; latency bounds are drawn together so every override passes checkFaults. */
const drawLink = (r: Prng): Json => {
  const latencyMsMin = between(r, 0, 500);
  const latencyMsMax = latencyMsMin + between(r, 0, 3_000);
  return {
    latencyMsMin,
    latencyMsMax,
    latencyTailBps: maybe(r, 1, 2_000),
    latencyTailMsMax: latencyMsMax + between(r, 0, 30_000),
    lossBps: maybe(r, 1, 2_000),
    duplicateBps: maybe(r, 1, 2_000),
  };
};

/** The liveness chain; each row's two transitions sum to at most 10,000. */
const drawLiveness = (r: Prng): Json => {
  if (r.chance(1, 2)) return {};
  return {
    onlineToSpottyBps: between(r, 0, 1_500),
    onlineToOfflineBps: between(r, 0, 800),
    spottyToOnlineBps: between(r, 500, 6_000),
    spottyToOfflineBps: between(r, 0, 1_500),
    offlineToOnlineBps: between(r, 500, 6_000),
    offlineToSpottyBps: between(r, 0, 2_000),
    spottyActBps: between(r, 0, BPS),
  };
};

const drawNodeFaults = (r: Prng): Json => {
  const restartMsMin = between(r, 0, 60_000);
  const pauseMsMin = between(r, 0, 30_000);
  return {
    crashBps: maybe(r, 1, 300),
    restartMsMin,
    restartMsMax: restartMsMin + between(r, 0, 300_000),
    pauseBps: maybe(r, 1, 500),
    pauseMsMin,
    pauseMsMax: pauseMsMin + between(r, 0, 120_000),
    livenessStepMs: between(r, 5_000, 60_000),
  };
};

/**
 * Protocol parameters that `validateParams` accepts, with short windows so a
 * short run closes and settles several. The phases after a window's close
 * (challenge, tier 2 and 3, aggregation, trap reveal, availability) are
 * drawn on the window's scale; settleDelay (windows.ts) makes room for all.
 */
const drawParams = (r: Prng): Json => {
  const windowBlocks = between(r, 4, 24);
  const trapCommitteeSize = between(r, 1, 4);
  const drawn: Json = {
    windowBlocks,
    totalShards: between(r, 1, 40),
    minMinersPerShard: between(r, 2, 3),
    challengeWindowBlocks: between(r, 1, windowBlocks),
    tier2VotingBlocks: between(r, 1, 5),
    tier2QuorumBps: between(r, 2_500, BPS),
    lossToleranceBps: between(r, 0, 500),
    tier3PanelSize: r.pick([3, 5]),
    tier3DeadlineBlocks: between(r, 1, 15),
    trapRateBps: between(r, 1, 3_000),
    trapCommitmentSlots: between(r, 8, 64),
    trapCommitteeSize,
    trapThreshold: between(r, 1, trapCommitteeSize),
    trapRevealBlocks: between(r, 1, windowBlocks),
    aggregationCommitBlocks: between(r, 1, 6),
    aggregationRevealBlocks: between(r, 1, 6),
    aggregationChallengeBlocks: between(r, 1, 10),
    slashLazyMiningBps: between(r, 1, BPS),
    slashFalseVerificationBps: between(r, 1, BPS),
    slashAvailabilityBps: between(r, 1, BPS),
    slashProposerFaultBps: between(r, 1, BPS),
    slashDowntimeBps: between(r, 0, 100),
    slashBurnBps: between(r, 0, BPS),
    challengerRewardBps: between(r, 1, BPS),
    forfeitedBondDestination: between(r, 1, 3),
    livenessWindowBlocks: between(r, 5, 60),
    minSignedBps: between(r, 1, BPS),
    daSampleRateBps: between(r, 1, 5_000),
    daResponseBlocks: between(r, 1, 4),
    daChunkBytes: between(r, 32, 256),
    // Not drawn (the draws above keep their order): the default reveal period, shorter than the window.
    gradientRevealBlocks: Math.min(defaultParams().gradientRevealBlocks, windowBlocks - 1),
  };
  // Unbonding outlasts the way from an offence to its slash (validateParams), by up to 100 blocks more.
  const least = longestSlashingDelay(
    create(ParamsSchema, { ...defaultParams(), ...(drawn as object) }),
  );
  return { ...drawn, unbondingBlocks: least + between(r, 0, 100) };
};

const roleOf = (k: ActorKind): "validator" | "miner" | "proposer" | "other" =>
  k.endsWith("_validator")
    ? "validator"
    : k.endsWith("_miner") || k === "data_withholder"
      ? "miner"
      : k.endsWith("_proposer")
        ? "proposer"
        : "other";
const kindsOf = (role: ReturnType<typeof roleOf>, honest: boolean): ActorKind[] =>
  ACTOR_KINDS.filter((k) => roleOf(k) === role && k.startsWith("honest_") === honest);

const ARCHS = ["PASCAL", "AMPERE", "ADA", "HOPPER", "BLACKWELL"] as const;

/** A kind's own options (all optional in the schema), drawn for the kinds that take them. */
const drawKindOptions = (r: Prng, kind: ActorKind): Json => {
  const o: Json = {};
  if (kind === "lazy_miner" || kind === "trap_spotting_miner" || kind === "loss_copying_miner") {
    if (kind === "lazy_miner") o.skipBps = between(r, 0, BPS);
    o.fake = r.pick(["random", "stale", "partial"]);
    if (o.fake === "partial") o.effortBps = between(r, 0, BPS);
  }
  if (kind === "poisoner_miner") o.scaleBps = between(r, 1, 50_000);
  if (kind === "loss_copying_miner" || kind === "isolated_miner") o.spotTraps = r.chance(1, 2);
  if (kind === "isolated_miner") o.isolate = r.pick(["kernel", "arch"]);
  if (kind === "copycat_miner") o.declareSourceArch = r.chance(1, 2);
  if (roleOf(kind) === "proposer") {
    o.method = r.pick(["mean", "median", "trimmed_mean"]);
    o.include = r.pick(["live", "agreed"]);
  }
  if (kind === "honest_validator" || kind === "lazy_validator" || kind === "farming_validator")
    o.tier2SampleBps = between(r, 0, BPS);
  if (kind === "false_challenger") o.challengesPerWindow = between(r, 0, 4);
  if (roleOf(kind) === "miner") {
    const n = between(r, 1, 3);
    o.gpuArch = Array.from({ length: n }, () => r.pick(ARCHS));
  }
  return o;
};

/**
 * The actor mix: honest validators (always, so a chain exists), miners and
 * proposers, then attacker groups of any kind; colluding kinds sometimes
 * share one coalition. Some groups get their own links.
 */
const drawActors = (r: Prng): Json[] => {
  const groups: Json[] = [];
  const add = (kind: ActorKind, count: number) => {
    const cartel =
      (kind === "colluding_miner" ||
        kind === "colluding_proposer" ||
        kind === "farming_validator") &&
      r.chance(1, 2);
    const g: Json = {
      kind,
      count,
      group: cartel ? "cartel" : `${kind}-${groups.length}`,
      ...drawKindOptions(r, kind),
    };
    if (r.chance(1, 4)) g.faults = { ...drawLink(r), ...drawLiveness(r) };
    groups.push(g);
  };
  for (let i = between(r, 1, 2); i > 0; i--) add("honest_validator", between(r, 1, 5));
  for (let i = between(r, 1, 2); i > 0; i--) add("honest_miner", between(r, 1, 16));
  for (let i = between(r, 0, 2); i > 0; i--) add("honest_proposer", between(r, 1, 3));
  const attackers = ACTOR_KINDS.filter((k) => !k.startsWith("honest_"));
  for (let i = between(r, 0, 4); i > 0; i--) add(r.pick(attackers), between(r, 1, 6));
  return groups;
};

const drawPartitions = (r: Prng, groups: readonly Json[], spanMs: number): Json[] =>
  Array.from({ length: r.pick([0, 0, 1, 1, 2]) }, () => {
    const startMs = r.below(spanMs);
    const names = [...new Set(groups.map((g) => String(g.group)))];
    const cut = [
      ...new Set(
        Array.from({ length: between(r, 1, Math.min(2, names.length)) }, () => r.pick(names)),
      ),
    ];
    return { startMs, endMs: startMs + between(r, 1, Math.floor(spanMs / 2)), actors: cut };
  });

/** The scenario a swarm seed draws: a plain JSON object that `parseScenario` accepts. */
export const drawScenario = (seed: number, blocks: number = SWARM_BLOCKS): Json => {
  const r = new Prng(hashParts("sim/swarm", seed));
  const params = drawParams(r);
  const blockTimeMs = between(r, 1_000, 8_000);
  const engine = {
    blockTimeMs,
    roundTimeoutMs: between(r, 500, 5_000),
    maxRounds: between(r, 1, 4),
    // Tight block and mempool limits now and then: txs then wait or are dropped.
    ...(r.chance(1, 4)
      ? { maxBlockTxs: between(r, 5, 200), mempoolMaxTxs: between(r, 50, 2_000) }
      : {}),
    invariantEveryBlocks: between(r, 1, 5),
  };
  // Training fits a window on most architectures, so miners submit; slower ones miss some.
  const windowMs = (params.windowBlocks as number) * blockTimeMs;
  const trainMs = Object.fromEntries(
    ARCHS.map((a) => [
      a,
      between(r, Math.max(1, Math.floor(windowMs / 10)), Math.max(1, windowMs)),
    ]),
  );
  const actors = drawActors(r);
  // Tier-3 recomputation takes time for half the honest validator groups (up to 4 blocks), as a live
  // validator's does: verdicts then race the proposer's commitment. A stream of its own, so the
  // draws above are what they were before it.
  const slow = new Prng(hashParts("sim/swarm/recompute", seed));
  for (const g of actors)
    if (g.kind === "honest_validator" && slow.chance(1, 2))
      g.recomputeMs = between(slow, 1, 4 * blockTimeMs);
  const spanMs = blocks * blockTimeMs;
  const faults = {
    ...drawLink(r),
    ...drawLiveness(r),
    ...drawNodeFaults(r),
    partitions: drawPartitions(r, actors, spanMs),
  };
  const count = actors.reduce((n, g) => n + (g.count as number), 0);
  const on = (
    [
      "lossBps",
      "duplicateBps",
      "latencyTailBps",
      "onlineToOfflineBps",
      "crashBps",
      "pauseBps",
    ] as const
  ).filter((k) => ((faults as Json)[k] ?? 0) !== 0);
  return {
    name: `swarm-${seed}`,
    description: `Swarm seed ${seed} (src/sim/swarm.ts): ${count} actors in ${actors.length} groups (${actors.map((g) => `${g.count} ${g.kind}`).join(", ")}); windows of ${params.windowBlocks} blocks; faults on: ${on.length ? on.join(", ") : "none"}; ${faults.partitions.length} partition(s).`,
    blocks,
    seed,
    params,
    engine,
    faults,
    vaultEntries: between(r, 0, 64),
    backend: { trainMs, chunks: between(r, 1, 6) },
    actors,
  };
};

/**
 * Which worlds the seeds run. "drawn": the scenario as drawn (faults,
 * attackers). "fault-free": every group, no faults; fails a seed if an honest
 * miner or proposer is slashed (no strategy may get honest work punished;
 * honest validators are left out: a lazy majority on a tier-3 panel outvotes
 * and slashes an honest dissenter by the seed's majority rule, a known limit).
 * "honest": the honest groups only, no faults; fails a seed if anyone is
 * slashed or ends with less than it started with. Both keep tier-3
 * recomputation within the panel's deadline (slower is NO_VERDICT by design).
 */
export type SwarmWorlds = "drawn" | "fault-free" | "honest";
export const SWARM_WORLDS: readonly SwarmWorlds[] = ["drawn", "fault-free", "honest"];

/** The drawn scenario as a world of `worlds` (a plain JSON object `parseScenario` accepts). */
export const worldOf = (drawn: Json, worlds: SwarmWorlds): Json => {
  if (worlds === "drawn") return drawn;
  const d = drawn as Json & { params: Json; engine: Json; actors: Json[] };
  const blockTimeMs = d.engine.blockTimeMs as number;
  const withinDeadline = Math.max(0, ((d.params.tier3DeadlineBlocks as number) - 2) * blockTimeMs);
  const { maxBlockTxs: _b, mempoolMaxTxs: _m, ...engine } = d.engine;
  return {
    ...d,
    engine,
    faults: { partitions: [] },
    actors: d.actors
      .filter((g) => worlds === "fault-free" || String(g.kind).startsWith("honest_"))
      .map(({ faults: _f, ...g }) =>
        g.recomputeMs === undefined
          ? g
          : { ...g, recomputeMs: Math.min(g.recomputeMs as number, withinDeadline) },
      ),
  };
};

/** What `worlds` finds unfair in a finished run: slashes (and in honest worlds losses) of the honest, named. */
const unfairness = (
  worlds: SwarmWorlds,
  r: Pick<RunResult, "actors">,
  slashes: readonly { address: string; offenceKey: string }[],
): string[] => {
  if (worlds === "drawn") return [];
  const watched = (kind: string) =>
    worlds === "honest" || kind === "honest_miner" || kind === "honest_proposer";
  const kind = new Map<string, string>(r.actors.map((a) => [a.address, a.kind]));
  return [
    ...slashes
      .filter((s) => watched(kind.get(s.address) ?? ""))
      .map((s) => `${kind.get(s.address)} ${s.address} slashed (${s.offenceKey})`),
    ...(worlds === "honest"
      ? r.actors
          .filter((a) => a.netUremes < 0n)
          .map((a) => `${a.kind} ${a.address} lost ${-a.netUremes} uremes`)
      : []),
  ];
};

export interface SwarmOptions {
  /** Seeds first, first + 1, …, first + seeds − 1. */
  readonly seeds: number;
  readonly first?: number;
  readonly blocks?: number;
  /** Where each seed's scenario is written (seed-N.json). */
  readonly outDir: string;
  /** A sink per seed (tests plant corruption through one). */
  readonly sinkFor?: (seed: number) => RunSink | undefined;
  /** Called after each seed, in seed order. */
  readonly onSeed?: (outcome: SeedOutcome, index: number) => void;
  /** Which worlds to run (default "drawn"). */
  readonly worlds?: SwarmWorlds;
}

export interface SeedOutcome {
  readonly seed: number;
  /** The drawn scenario's file. */
  readonly path: string;
  readonly blocks: number;
  /** A broken invariant, or a halt (messages starting "liveness:"). */
  readonly violation?: { readonly height: number; readonly messages: readonly string[] };
  /** A run that threw (a bug in the simulator or the protocol). */
  readonly error?: string;
  /** Fault-free and honest worlds: honest actors slashed (or, honest worlds, at a loss), a line each. */
  readonly unfair?: readonly string[];
  /** The line that reproduces a failure: `r3mes sim run <path> --seed <seed>`. */
  readonly reproduce: string;
}

export interface SwarmSummary {
  readonly outcomes: readonly SeedOutcome[];
  readonly violations: number;
  readonly errors: number;
  /** Seeds with an unfair outcome (fault-free and honest worlds). */
  readonly unfair: number;
  readonly ms: number;
}

/** Whether a violation is a halt (the chain stopped) rather than broken state. */
export const isHalt = (v: NonNullable<SeedOutcome["violation"]>): boolean =>
  v.messages.every((m) => m.startsWith("liveness:"));

/** Draws, writes and runs one seed; never throws (a thrown run is an outcome). */
export const runSwarmSeed = async (
  seed: number,
  o: Pick<SwarmOptions, "blocks" | "outDir" | "sinkFor" | "worlds">,
): Promise<SeedOutcome> => {
  const blocks = o.blocks ?? SWARM_BLOCKS;
  const worlds = o.worlds ?? "drawn";
  const path = join(o.outDir, `seed-${seed}.json`);
  const reproduce = reproduceLine(path, seed);
  const drawn = worldOf(drawScenario(seed, blocks), worlds);
  // Written before the run: a run that crashes the process still leaves its scenario.
  mkdirSync(o.outDir, { recursive: true });
  writeFileSync(path, `${JSON.stringify(drawn, null, 2)}\n`);
  try {
    const scenario = parseScenario(drawn, path);
    const planted = o.sinkFor?.(seed);
    const slashes: { address: string; offenceKey: string }[] = [];
    const sink: RunSink | undefined =
      worlds === "drawn"
        ? planted
        : {
            start: (s) => planted?.start(s),
            block: (b) => {
              for (const e of b.events)
                if (e.case === "slashed")
                  slashes.push({ address: e.value.address, offenceKey: e.value.offenceKey });
              planted?.block(b);
            },
            end: (e) => planted?.end(e),
          };
    const r = await runScenario(scenario, { seed, blocks, ...(sink ? { sink } : {}) });
    const unfair = r.violation ? [] : unfairness(worlds, r, slashes);
    return {
      seed,
      path,
      blocks: r.blocks,
      reproduce,
      ...(r.violation ? { violation: r.violation } : {}),
      ...(unfair.length > 0 ? { unfair } : {}),
    };
  } catch (e) {
    return {
      seed,
      path,
      blocks: 0,
      reproduce,
      error: e instanceof Error ? (e.stack ?? e.message) : String(e),
    };
  }
};

/** Runs seeds first … first + seeds − 1 one after another. */
export const runSwarm = async (o: SwarmOptions): Promise<SwarmSummary> => {
  const t0 = performance.now();
  const first = o.first ?? 1;
  const outcomes: SeedOutcome[] = [];
  for (let i = 0; i < o.seeds; i++) {
    const outcome = await runSwarmSeed(first + i, o);
    outcomes.push(outcome);
    o.onSeed?.(outcome, i);
  }
  return {
    outcomes,
    violations: outcomes.filter((x) => x.violation).length,
    errors: outcomes.filter((x) => x.error !== undefined).length,
    unfair: outcomes.filter((x) => x.unfair !== undefined).length,
    ms: performance.now() - t0,
  };
};
