/**
 * One simulation run: a scenario and a seed in, a RunEnd out (plus the
 * actors' final wealth and the off-chain aggregates, for tests and
 * reports). The scenario's actor groups become genesis accounts and roles
 * and the actors that play them; the engine does the rest. Same scenario and
 * seed ⇒ the same event log, byte for byte.
 */
import { create } from "@bufbuild/protobuf";
import { type GenesisState, GenesisStateSchema } from "../gen/remes/v1/genesis_pb.ts";
import type { Params } from "../gen/remes/v1/params_pb.ts";
import { DisputeOutcome, DisputeSubject } from "../gen/remes/v1/events_pb.ts";
import { GpuArch, Role } from "../gen/remes/v1/types_pb.ts";
import type { Actor } from "../actors/actor.ts";
import { methodByName } from "../actors/aggregate.ts";
import { SimulatedBackend, type TrainingBackend } from "../actors/backend.ts";
import { fastTrainOptions, KernelBackend } from "../kernels/backend.ts";
import * as miners from "../actors/miners.ts";
import { vaultPoisoner } from "../actors/attacks/vault-poisoner.ts";
import { Proposer } from "../actors/proposers.ts";
import { AbstainingValidator } from "../actors/attacks/abstainer.ts";
import { BribingMiner } from "../actors/attacks/briber.ts";
import { CapturingValidator } from "../actors/attacks/capture.ts";
import { CensoringValidator } from "../actors/attacks/censor.ts";
import { DaGriefer } from "../actors/attacks/da-griefer.ts";
import { UnbondingMiner } from "../actors/attacks/unbonder.ts";
import { UnbondingSpammer } from "../actors/attacks/unbonding-spam.ts";
import { WithholdingProposer } from "../actors/attacks/withholder.ts";
import { Queries } from "../actors/queries.ts";
import { WorkLedger } from "../actors/work.ts";
import { FalseChallenger, Validator } from "../actors/validators.ts";
import { ContentStore, TaskFeed, type World } from "../actors/world.ts";
import { archCopycat } from "../actors/attacks/copycat-arch.ts";
import { Forger } from "../actors/attacks/forger.ts";
import { isolator } from "../actors/attacks/isolator.ts";
import { lossCopier } from "../actors/attacks/loss-copier.ts";
import { FarmingValidator } from "../actors/attacks/self-challenger.ts";
import { trapSpotter } from "../actors/attacks/trap-spotter.ts";
import { Watchdog } from "../actors/attacks/watchdog.ts";
import { labelAddress } from "../protocol/address.ts";
import type { ProtocolEvent } from "../protocol/events.ts";
import { UREMES_PER_REMES } from "../protocol/params.ts";
import { deriveSeed, hashParts, Prng } from "../protocol/randomness.ts";
import { consensusPublicKey } from "../protocol/consensus-keys.ts";

/** A simulated validator's ed25519 consensus key, from the run's seed (so a registration can prove possession: signPop). */
export const simConsensusKey = (
  seed: number,
  address: string,
): { secretKey: Uint8Array; pubkey: Uint8Array } => {
  const secretKey = hashParts("sim/consensus-key", seed, address);
  return { secretKey, pubkey: consensusPublicKey(secretKey) };
};
import type { State } from "../protocol/state.ts";
import { resolveCosts } from "./costs.ts";
import { Engine, type EngineStats } from "./engine.ts";
import { ModelTracker } from "./model-tracker.ts";
import { runTooBig } from "./limits.ts";
import { type ActorKey, actorKey, type ActorKeys } from "./keys.ts";
import type { FaultOptions } from "./options.ts";
import { BondTally, profitRows } from "./profit.ts";
import {
  type ActorGroupConfig,
  kernelsModel,
  resolveEngine,
  resolveFaults,
  resolveParams,
  type Scenario,
  ScenarioError,
} from "./scenario.ts";
import type {
  ActorInfo,
  ActorKind,
  AggregateRecord,
  BlockRecord,
  ModelRecord,
  RunEnd,
  RunSink,
} from "./sink.ts";

export interface RunOptions {
  readonly seed: number;
  readonly sink?: RunSink;
  readonly onProgress?: (height: number, planned: number) => void;
  /** Override the scenario's block count (the short form in tests, for instance). */
  readonly blocks?: number;
  /** The scenario file as the user named it (recorded in RunStart.config, for the report's reproduce line). */
  readonly source?: string;
  /** Sweep point that produced this scenario (recorded in RunStart.config). */
  readonly overrides?: Readonly<Record<string, number | string>>;
  /**
   * "secp256k1": actors get real keys derived from the seed and bech32
   * addresses of them (keys.ts), so the recorded commands can be signed as
   * Cosmos txs; "labels" (the default): addresses derived from readable
   * labels (bech32 of sha256(label), protocol/address.ts labelAddress), valid but keyless.
   */
  readonly keys?: ActorKeys;
}

/** What an actor ended with, and what happened to it (from the committed events). */
export interface ActorSummary extends ActorInfo {
  /** Balance + bonded + unbonding stake at the end, minus the same at genesis (uremes). */
  readonly netUremes: bigint;
  readonly rewardsUremes: bigint;
  readonly slashedUremes: bigint;
  /** Windows in which a trap caught it; first such height (−1: never). */
  readonly trapCatches: number;
  readonly firstTrapCatchHeight: number;
}

export interface RunResult extends RunEnd {
  readonly scenario: string;
  readonly seed: number;
  readonly actors: readonly ActorSummary[];
  readonly aggregates: readonly AggregateRecord[];
  /** The global model after each window (kernels backend: held-out loss in micro-nats). */
  readonly model: readonly ModelRecord[];
  readonly stats: EngineStats;
  /** The genesis the run started from. */
  readonly genesis: GenesisState;
  /** Secret key by address, with `keys: "secp256k1"`. */
  readonly keys?: ReadonlyMap<string, Uint8Array>;
}

export const nullSink: RunSink = { start() {}, block() {}, end() {} };

const REMES = UREMES_PER_REMES;
const archOf = (name: string): GpuArch => GpuArch[name as keyof typeof GpuArch] as GpuArch;

const roleOfKind = (k: ActorKind): Role | undefined =>
  k.endsWith("_miner") || k === "data_withholder"
    ? Role.MINER
    : k.endsWith("_validator")
      ? Role.VALIDATOR
      : k.endsWith("_proposer")
        ? Role.PROPOSER
        : undefined;

interface Cast {
  readonly actors: Actor[];
  readonly faults: FaultOptions[];
  readonly genesis: GenesisState;
  readonly wealth: Map<string, bigint>;
  readonly keys: Map<string, Uint8Array>;
}

const defaultStakeRemes = (role: Role | undefined): number =>
  role === Role.VALIDATOR
    ? 20_000
    : role === Role.PROPOSER
      ? 10_000
      : role === Role.MINER
        ? 2_000
        : 0;

/** Genesis Vault entries of a kernels scenario when it names none: each is one real training at genesis. */
export const KERNELS_DEFAULT_VAULT_ENTRIES = 8;

const vaultEntriesOf = (s: Scenario): number =>
  s.vaultEntries ??
  ((s.backend?.kind ?? "simulated") === "kernels" ? KERNELS_DEFAULT_VAULT_ENTRIES : 64);

/** The scenario's training backend: modelled updates, or real training with the canonical kernels. */
const makeBackend = (s: Scenario, params: Params, seed: Uint8Array): TrainingBackend => {
  const b = s.backend ?? {};
  if ((b.kind ?? "simulated") === "simulated") {
    return new SimulatedBackend({
      seed,
      chunkBytes: params.daChunkBytes,
      sizeBytes: BigInt(params.daChunkBytes * (b.chunks ?? 4)),
      genesisVaultEntries: vaultEntriesOf(s),
      ...(b.trainMs ? { trainMs: b.trainMs } : {}),
    });
  }
  return new KernelBackend({
    seed,
    totalShards: params.totalShards,
    daChunkBytes: params.daChunkBytes,
    model: kernelsModel(s),
    train: {
      ...fastTrainOptions,
      steps: b.steps ?? fastTrainOptions.steps,
      batchTokens: b.batchTokens ?? fastTrainOptions.batchTokens,
    },
    genesisVaultEntries: vaultEntriesOf(s),
    ...(b.trainMs ? { trainMs: b.trainMs } : {}),
    followChain: true,
  });
};

/** Builds genesis and the actors from the scenario's groups. */
const cast = (
  s: Scenario,
  params: Params,
  backend: TrainingBackend,
  keyOf?: (label: string) => ActorKey,
  seed = 0,
): Cast => {
  const actors: Actor[] = [];
  const faults: FaultOptions[] = [];
  const accounts: { address: string; balance: bigint }[] = [];
  const roles: {
    address: string;
    role: Role;
    stake: bigint;
    gpuArch: GpuArch;
    pubkey: Uint8Array;
  }[] = [];
  const wealth = new Map<string, bigint>();
  const keys = new Map<string, Uint8Array>();
  const counters = new Map<string, number>();
  const groupOf = (g: ActorGroupConfig, i: number) => g.group ?? `${g.kind}#${i}`;
  // Coalitions: colluding proposers keep the submissions of their group's miners.
  const members = new Map<string, Set<string>>();
  const planned: { g: ActorGroupConfig; group: string; address: string; k: number }[] = [];
  s.actors.forEach((g, i) => {
    const group = groupOf(g, i);
    for (let k = 0; k < g.count; k++) {
      const n = counters.get(g.kind) ?? 0;
      counters.set(g.kind, n + 1);
      const label = `remes1${g.kind.replace(/_/g, "")}${String(n).padStart(5, "0")}`;
      const key = keyOf?.(label);
      // Labels mode: a valid address derived from the label (address.ts), since decide refuses any other string.
      const address = key?.address ?? labelAddress(label);
      if (key) keys.set(address, key.secretKey);
      planned.push({ g, group, address, k });
      let set = members.get(group);
      if (!set) members.set(group, (set = new Set()));
      set.add(address);
    }
  });
  for (const { g, group, address, k } of planned) {
    const role = roleOfKind(g.kind);
    const archs =
      g.gpuArch === undefined
        ? ["AMPERE"]
        : typeof g.gpuArch === "string"
          ? [g.gpuArch]
          : g.gpuArch;
    const arch = archOf(archs[k % archs.length]!);
    const stakeRemes =
      g.kind === "sybil_miner" && g.budgetRemes !== undefined
        ? Math.floor(g.budgetRemes / g.count)
        : (g.stakeRemes ?? defaultStakeRemes(role));
    const balance = BigInt(g.balanceRemes ?? (g.kind === "sybil_miner" ? 100 : 10_000)) * REMES;
    const stake = BigInt(stakeRemes) * REMES;
    const info: ActorInfo = {
      address,
      kind: g.kind,
      group,
      gpuArch: role === Role.MINER ? (archs[k % archs.length] ?? "AMPERE") : "",
    };
    accounts.push({ address, balance });
    if (role !== undefined)
      roles.push({
        address,
        role,
        stake,
        gpuArch: role === Role.MINER ? arch : GpuArch.UNSPECIFIED,
        pubkey: role === Role.VALIDATOR ? simConsensusKey(seed, address).pubkey : new Uint8Array(),
      });
    wealth.set(address, balance + (role === undefined ? 0n : stake));
    actors.push(makeActor(g, info, arch, members.get(group)!));
    faults.push(resolveFaults(s, g));
  }
  const genesis = create(GenesisStateSchema, {
    params,
    accounts,
    roles,
    vault: Array.from({ length: vaultEntriesOf(s) }, (_, i) => ({
      gradientHash: backend.vaultHash(i),
    })),
  });
  return { actors, faults, genesis, wealth, keys };
};

const makeActor = (
  g: ActorGroupConfig,
  info: ActorInfo,
  arch: GpuArch,
  coalition: ReadonlySet<string>,
): Actor => {
  switch (g.kind) {
    case "honest_miner":
      return new miners.Miner(info, arch, miners.honest);
    case "data_withholder":
      return new miners.Miner(info, arch, miners.dataWithholder);
    case "lazy_miner":
      return new miners.Miner(
        info,
        arch,
        miners.lazy(g.skipBps ?? 3_000, g.fake ?? "random", g.effortBps),
      );
    case "copycat_miner":
      return new miners.Miner(info, arch, g.declareSourceArch ? archCopycat : miners.copycat);
    case "poisoner_miner":
      return new miners.Miner(info, arch, miners.poisoner(g.scaleBps ?? 30_000));
    case "sybil_miner":
      return new miners.Miner(info, arch, miners.coalition("sybil_miner", info.group));
    case "colluding_miner":
      return new miners.Miner(info, arch, miners.coalition("colluding_miner", info.group));
    case "vault_poisoner_miner":
      return new miners.Miner(info, arch, vaultPoisoner(info.group, coalition));
    case "honest_proposer":
      return new Proposer(info, methodByName[g.method ?? "median"], g.include ?? "live");
    case "colluding_proposer":
      return new Proposer(info, methodByName[g.method ?? "mean"], g.include ?? "live", coalition);
    case "abstaining_validator":
      return new AbstainingValidator(
        info,
        coalition,
        { lazy: false, tier2SampleBps: g.tier2SampleBps ?? 10_000 },
        g.grindCandidates ?? 0,
        BigInt(g.bribeRemes ?? 0) * REMES,
      );
    case "bribing_miner":
      return new BribingMiner(
        info,
        arch,
        g.skipBps ?? 5_000,
        g.fake ?? "partial",
        g.effortBps,
        BigInt(g.bribeRemes ?? 20) * REMES,
      );
    case "censoring_validator":
      return new CensoringValidator(info, coalition, {
        lazy: false,
        tier2SampleBps: g.tier2SampleBps ?? 10_000,
      });
    case "capturing_validator":
      return new CapturingValidator(info, coalition, g.paramChanges ?? {}, g.proposeAtBlock ?? 1, {
        lazy: false,
        tier2SampleBps: g.tier2SampleBps ?? 10_000,
      });
    case "withholding_proposer":
      return new WithholdingProposer(
        info,
        methodByName[g.method ?? "median"],
        g.withhold ?? "blob",
      );
    case "unbonding_miner":
      return new UnbondingMiner(info, arch, g.skipBps ?? 10_000, g.fake ?? "random", g.effortBps);
    case "spamming_miner":
      return new UnbondingSpammer(info, arch, g.spamPerBlock ?? 100);
    case "da_griefer":
      return new DaGriefer(info, coalition, g.challengesPerWindow ?? 4);
    case "honest_validator":
      return new Validator(info, {
        lazy: false,
        tier2SampleBps: g.tier2SampleBps ?? 10_000,
        tier2Loss: g.tier2Loss ?? "canonical",
        recomputeMs: g.recomputeMs ?? 0,
      });
    case "lazy_validator":
      return new Validator(info, { lazy: true, tier2SampleBps: g.tier2SampleBps ?? 10_000 });
    case "false_challenger":
      return new FalseChallenger(info, g.challengesPerWindow ?? 2);
    case "loss_copying_miner":
      return new miners.Miner(
        info,
        arch,
        lossCopier({
          fake: g.fake ?? "stale",
          spotTraps: g.spotTraps ?? false,
          effortBps: g.effortBps ?? 2_500,
        }),
      );
    case "isolated_miner":
      return new miners.Miner(
        info,
        arch,
        isolator({ isolate: g.isolate ?? "kernel", spotTraps: g.spotTraps ?? false }),
      );
    case "trap_spotting_miner":
      return new miners.Miner(info, arch, trapSpotter(g.fake ?? "random", g.effortBps));
    case "farming_validator":
      return new FarmingValidator(info, coalition, {
        lazy: false,
        tier2SampleBps: g.tier2SampleBps ?? 10_000,
      });
    case "watchdog_challenger":
      return new Watchdog(info);
    case "forger":
      return new Forger(info);
  }
};

/** Watches committed events for the per-actor summary (rewards, slashes, trap catches). */
class Tally {
  readonly rewards = new Map<string, bigint>();
  readonly slashed = new Map<string, bigint>();
  readonly catches = new Map<string, { n: number; first: number }>();
  /** Submissions and disputes, to see which gradient disputes judge a revealed trap shard's work (protocol/traps.ts). */
  readonly #subs = new Map<
    number,
    { miner: string; window: number; shard: number; rejected: boolean }
  >();
  readonly #disputed = new Map<number, number>();
  /** Revealed trap shards by window. */
  readonly #trapShards = new Map<number, Set<number>>();
  /** Submission ids by window, then shard (numbers, not `${window}/${shard}` strings: one per submission was a cost). */
  readonly #byShard = new Map<number, Map<number, number[]>>();
  readonly #byWindow = new Map<number, number[]>();

  #caught(m: string, height: number): void {
    const c = this.catches.get(m);
    if (c) c.n++;
    else this.catches.set(m, { n: 1, first: height });
  }

  observe(height: number, events: readonly ProtocolEvent[]): void {
    for (let k = 0; k < events.length; k++) {
      const e = events[k]!;
      if (e.case === "gradientSubmitted") {
        const id = Number(e.value.submissionId);
        const window = Number(e.value.window);
        const shard = e.value.shard;
        this.#subs.set(id, { miner: e.value.miner, window, shard, rejected: false });
        let shards = this.#byShard.get(window);
        if (!shards) this.#byShard.set(window, (shards = new Map()));
        const ofShard = shards.get(shard);
        if (ofShard) ofShard.push(id);
        else shards.set(shard, [id]);
        const ofWindow = this.#byWindow.get(window);
        if (ofWindow) ofWindow.push(id);
        else this.#byWindow.set(window, [id]);
      } else if (e.case === "submissionRejected") {
        const s = this.#subs.get(Number(e.value.submissionId));
        if (s) s.rejected = true;
      } else if (e.case === "disputeOpened" && e.value.subject === DisputeSubject.GRADIENT)
        this.#disputed.set(Number(e.value.disputeId), Number(e.value.subjectId));
      else if (e.case === "disputeResolved" && this.#disputed.has(Number(e.value.disputeId))) {
        const s = this.#subs.get(this.#disputed.get(Number(e.value.disputeId))!);
        this.#disputed.delete(Number(e.value.disputeId));
        if (
          s &&
          this.#trapShards.get(s.window)?.has(s.shard) &&
          e.value.outcome === DisputeOutcome.REJECTED
        )
          this.#caught(s.miner, height);
      } else if (e.case === "trapRevealed") {
        const window = Number(e.value.window);
        let traps = this.#trapShards.get(window);
        if (!traps) this.#trapShards.set(window, (traps = new Set()));
        traps.add(e.value.shard);
        // Work on the shard already rejected (a tier-1 dispute decided before the reveal) is caught now.
        for (const id of this.#byShard.get(window)?.get(e.value.shard) ?? []) {
          const s = this.#subs.get(id);
          if (s?.rejected) this.#caught(s.miner, height);
        }
      } else if (e.case === "windowSettled") {
        const window = Number(e.value.window);
        for (const id of this.#byWindow.get(window) ?? []) this.#subs.delete(id);
        this.#byWindow.delete(window);
        this.#byShard.delete(window);
        this.#trapShards.delete(window);
      }
      if (e.case === "rewardMinted")
        this.rewards.set(e.value.to, (this.rewards.get(e.value.to) ?? 0n) + e.value.amount);
      else if (e.case === "verifierPaid")
        this.rewards.set(
          e.value.validator,
          (this.rewards.get(e.value.validator) ?? 0n) + e.value.amount,
        );
      else if (e.case === "slashed")
        this.slashed.set(
          e.value.address,
          (this.slashed.get(e.value.address) ?? 0n) + e.value.amount,
        );
    }
  }
}

const wealthOf = (state: Readonly<State>, address: string): bigint => {
  let w = state.balances.get(address) ?? 0n;
  for (const role of [Role.MINER, Role.VALIDATOR, Role.PROPOSER, Role.SERVING_NODE])
    w += state.roles.get(`${role}/${address}`)?.stake ?? 0n;
  for (const u of state.unbonding.values()) if (u.address === address) w += u.amount;
  return w;
};

/**
 * Runs one scenario with one seed. Synchronous (the engine never waits);
 * the sink's `end` may return a promise, which is awaited.
 */
export const runScenario = async (scenario: Scenario, opts: RunOptions): Promise<RunResult> => {
  const params = resolveParams(scenario);
  if (typeof params === "string") throw new ScenarioError(`scenario ${scenario.name}: ${params}`);
  const tooBig = runTooBig(scenario, opts.blocks ?? scenario.blocks);
  if (tooBig) throw new ScenarioError(`scenario ${scenario.name}: ${tooBig}`);
  const root = new Prng(hashParts("sim/root", opts.seed));
  const engineOptions = resolveEngine(scenario);
  const backend = makeBackend(scenario, params, deriveSeed(root.seed, "backend"));
  const world: World = {
    seed: deriveSeed(root.seed, "world"),
    backend,
    queries: new Queries(),
    work: new WorkLedger(),
    aggregateChecks: new Map(),
    store: new ContentStore(),
    tasks: new TaskFeed(root.fork("tasks")),
    coalition: new Map(),
    aggregates: [],
    ...(backend instanceof SimulatedBackend
      ? { trueUpdate: (w: number) => backend.trueUpdate(w) }
      : {}),
  };
  const c = cast(
    scenario,
    params,
    backend,
    opts.keys === "secp256k1" ? (label) => actorKey(opts.seed, label) : undefined,
    opts.seed,
  );
  const tally = new Tally();
  const bonds = new BondTally();
  const tracked =
    backend instanceof SimulatedBackend
      ? backend.model
      : backend instanceof KernelBackend
        ? backend.global
        : undefined;
  const model = tracked ? new ModelTracker(tracked, world.store) : undefined;
  const sink = opts.sink ?? nullSink;
  const tee: RunSink = {
    start: (r) => sink.start(r),
    block: (b: BlockRecord) => {
      tally.observe(b.height, b.events);
      bonds.observe(b.events);
      model?.observe(b.height, b.events, b.state);
      sink.block(b);
    },
    end: (r) => sink.end(r),
  };
  const engine = new Engine({
    scenario: scenario.name,
    seed: opts.seed,
    config: {
      ...(scenario as unknown as Record<string, unknown>),
      ...(opts.overrides ? { sweepPoint: opts.overrides } : {}),
      ...(opts.source ? { source: opts.source } : {}),
    },
    genesis: c.genesis,
    actors: c.actors,
    faults: c.faults,
    partitions: scenario.faults?.partitions ?? [],
    world,
    engine: engineOptions,
    prng: root.fork("engine"),
    sink: tee,
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  });
  let end: RunEnd;
  try {
    end = engine.run(opts.blocks ?? scenario.blocks);
  } finally {
    if (backend instanceof KernelBackend) backend.close();
  }
  const state = engine.state;
  const actors: ActorSummary[] = c.actors.map((a) => ({
    ...a.info,
    netUremes: wealthOf(state, a.info.address) - (c.wealth.get(a.info.address) ?? 0n),
    rewardsUremes: tally.rewards.get(a.info.address) ?? 0n,
    slashedUremes: tally.slashed.get(a.info.address) ?? 0n,
    trapCatches: tally.catches.get(a.info.address)?.n ?? 0,
    firstTrapCatchHeight: tally.catches.get(a.info.address)?.first ?? -1,
  }));
  const stakes = new Map(c.genesis.roles.map((r) => [r.address, r.stake]));
  const profit = profitRows(
    actors,
    bonds,
    world.work,
    resolveCosts(scenario),
    stakes,
    end.blocks * engineOptions.blockTimeMs,
  );
  const fullEnd: RunEnd = {
    ...end,
    aggregates: world.aggregates,
    profit,
    ...(model ? { model: model.records(engine.state) } : {}),
  };
  await tee.end(fullEnd);
  return {
    ...fullEnd,
    scenario: scenario.name,
    seed: opts.seed,
    actors,
    aggregates: world.aggregates,
    model: fullEnd.model ?? [],
    stats: engine.stats,
    genesis: c.genesis,
    ...(opts.keys === "secp256k1" ? { keys: c.keys } : {}),
  };
};

/** The `reproduce with` line printed for a failed run. */
export const reproduceLine = (scenarioPath: string, seed: number): string =>
  `reproduce with: r3mes sim run ${scenarioPath} --seed ${seed}`;
