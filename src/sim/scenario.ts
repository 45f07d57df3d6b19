/**
 * Scenario files: plain JSON a researcher edits, validated by an
 * `effect/Schema` (every bad field is reported with its path and the file),
 * then checked against the protocol (parameter names and relations, fault
 * ratios). A scenario names its actors by group, its protocol parameter
 * overrides, its fault knobs (options.ts), and optionally Monte Carlo seeds
 * and a parameter sweep; `expandRuns` turns it into the list of runs.
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { create } from "@bufbuild/protobuf";
import { Schema } from "effect";
import { type Params, ParamsSchema } from "../gen/remes/v1/params_pb.ts";
import { defaultParams, validateParams } from "../protocol/params.ts";
import { CHUNK_TOKENS } from "../kernels/corpus.ts";
import { checkConfig, type ModelConfig, tinyConfig } from "../kernels/model.ts";
import { ACTOR_KINDS } from "./actor-kinds.ts";
import { MAX_BLOCKS, MAX_GROUP_COUNT, MAX_SEEDS, MAX_VAULT_ENTRIES } from "./limits.ts";
import {
  checkFaults,
  defaultEngine,
  defaultFaults,
  type EngineOptions,
  type FaultOptions,
  linkFaultFields,
  PartitionSchema,
} from "./options.ts";

const Int = Schema.Int;
const NonNegInt = Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(0)));
const PosInt = Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(1)));
const PosIntAtMost = (n: number) => PosInt.pipe(Schema.check(Schema.isLessThanOrEqualTo(n)));
const Bps = Int.pipe(
  Schema.check(Schema.isGreaterThanOrEqualTo(0)),
  Schema.check(Schema.isLessThanOrEqualTo(10_000)),
);

export const ARCHS = ["CPU", "PASCAL", "AMPERE", "ADA", "HOPPER", "BLACKWELL"] as const;
export type ArchName = (typeof ARCHS)[number];
const Arch = Schema.Literals(ARCHS);

export { ACTOR_KINDS };

export const BACKEND_KINDS = ["simulated", "kernels"] as const;

/** Every fault knob, optional: the fields and their checks are options.ts' (one list). */
const Link = Object.fromEntries(
  Object.entries(linkFaultFields).map(([k, f]) => [k, Schema.optionalKey(f)]),
) as { [K in keyof typeof linkFaultFields]: Schema.optionalKey<(typeof linkFaultFields)[K]> };

const ActorGroup = Schema.Struct({
  kind: Schema.Literals(ACTOR_KINDS),
  count: PosIntAtMost(MAX_GROUP_COUNT),
  /** Coalition or cluster name (defaults to the kind and the entry's index). */
  group: Schema.optionalKey(Schema.String),
  gpuArch: Schema.optionalKey(
    Schema.Union([Arch, Schema.Array(Arch).check(Schema.isMinLength(1))]),
  ),
  stakeRemes: Schema.optionalKey(PosInt),
  balanceRemes: Schema.optionalKey(NonNegInt),
  /** lazy_miner: share of tasks skipped, and what it submits instead. */
  skipBps: Schema.optionalKey(Bps),
  fake: Schema.optionalKey(Schema.Literals(["random", "stale", "partial"])),
  /** lazy_miner with fake "partial": share of the training it does (bps, default 2,500). */
  effortBps: Schema.optionalKey(Bps),
  /** poisoner_miner: the update is multiplied by −scaleBps/10,000. */
  scaleBps: Schema.optionalKey(PosInt),
  /** proposers: how the aggregate is combined. */
  method: Schema.optionalKey(Schema.Literals(["mean", "median", "trimmed_mean", "krum"])),
  /** proposers: aggregate every live submission, or only those tier 1 did not flag. */
  include: Schema.optionalKey(Schema.Literals(["live", "agreed"])),
  /** sybil_miner: one budget split over `count` identities (each bonds budget/count). */
  budgetRemes: Schema.optionalKey(PosInt),
  /** validators: share of tier-2 disputes each one recomputes and votes on. */
  tier2SampleBps: Schema.optionalKey(Bps),
  /** validators: recompute tier-2 losses with the canonical kernels (default) or the ONNX graph on onnxruntime (kernels backend only). */
  tier2Loss: Schema.optionalKey(Schema.Literals(["canonical", "onnx"])),
  /** honest_validator: milliseconds a tier-3 recomputation takes before the verdict is sent (default 0: at once; a live daemon takes the training time). */
  recomputeMs: Schema.optionalKey(NonNegInt),
  /** withholding_proposer: withhold the aggregate's blob after revealing its CID, or never reveal. */
  withhold: Schema.optionalKey(Schema.Literals(["blob", "reveal"])),
  /** capturing_validator: the parameter changes its coalition proposes (camelCase Params fields), and the block it proposes them at. */
  paramChanges: Schema.optionalKey(
    Schema.Record(Schema.String, Schema.Union([Schema.Number, Schema.String])),
  ),
  proposeAtBlock: Schema.optionalKey(NonNegInt),
  /** abstaining_validator: block timestamps it tries per block it proposes, to steer the next block hash (0: no grinding). */
  grindCandidates: Schema.optionalKey(NonNegInt),
  /** bribing_miner: REMES it pays each panel member of a dispute against it; abstaining_validator: its price for giving no verdict (0: not for hire). */
  bribeRemes: Schema.optionalKey(NonNegInt),
  /** spamming_miner: 1-uremes unbondings sent per block. */
  spamPerBlock: Schema.optionalKey(PosInt),
  /** false_challenger: bonded challenges per closed window. */
  challengesPerWindow: Schema.optionalKey(NonNegInt),
  /** loss_copying_miner, isolated_miner: train honestly on tasks recognised as traps (see trap_spotting_miner). */
  spotTraps: Schema.optionalKey(Schema.Boolean),
  /** isolated_miner: declare a kernel version ("kernel", default) or a GPU architecture ("arch") no shard peer uses. */
  isolate: Schema.optionalKey(Schema.Literals(["kernel", "arch"])),
  /** copycat_miner: declare the copied submission's GPU architecture and kernel version, not its own. */
  declareSourceArch: Schema.optionalKey(Schema.Boolean),
  /** Network and liveness of this group's links, over the scenario's `faults`. */
  faults: Schema.optionalKey(Schema.Struct(Link)),
});

/** Off-chain cost model (src/sim/costs.ts, docs/profit.md): every field optional, defaults in costs.ts. */
const Usd = Schema.Number.pipe(
  Schema.check(Schema.isFinite()),
  Schema.check(Schema.isGreaterThanOrEqualTo(0)),
);
const Costs = Schema.Struct({
  remesUsd: Schema.optionalKey(
    Schema.Number.pipe(Schema.check(Schema.isFinite()), Schema.check(Schema.isGreaterThan(0))),
  ),
  gpuUsdPerHour: Schema.optionalKey(
    Schema.Struct(
      Object.fromEntries(ARCHS.map((a) => [a, Schema.optionalKey(Usd)])) as {
        [K in ArchName]: Schema.optionalKey<typeof Usd>;
      },
    ),
  ),
  tier2Arch: Schema.optionalKey(Arch),
  tier2BatchMs: Schema.optionalKey(NonNegInt),
  tier3Arch: Schema.optionalKey(Arch),
  tier3JobMs: Schema.optionalKey(NonNegInt),
  aggregateArch: Schema.optionalKey(Arch),
  aggregateMs: Schema.optionalKey(NonNegInt),
  capitalRateBps: Schema.optionalKey(Bps),
});

const Scalar = Schema.Union([Schema.Number, Schema.String]);

export const ScenarioSchema = Schema.Struct({
  name: Schema.String,
  description: Schema.String,
  /** Blocks of a full run, and of the short form the test suite runs. */
  blocks: PosIntAtMost(MAX_BLOCKS),
  shortBlocks: Schema.optionalKey(PosIntAtMost(MAX_BLOCKS)),
  /** First seed, and how many consecutive seeds a Monte Carlo run takes. */
  seed: Schema.optionalKey(NonNegInt),
  seeds: Schema.optionalKey(PosIntAtMost(MAX_SEEDS)),
  /** Protocol parameter overrides: camelCase fields of remes.remes.v1.Params. */
  params: Schema.optionalKey(Schema.Record(Schema.String, Scalar)),
  engine: Schema.optionalKey(
    Schema.Struct({
      blockTimeMs: Schema.optionalKey(PosInt),
      roundTimeoutMs: Schema.optionalKey(NonNegInt),
      maxRounds: Schema.optionalKey(PosInt),
      maxBlockGas: Schema.optionalKey(PosInt),
      maxBlockTxs: Schema.optionalKey(PosInt),
      mempoolMaxTxs: Schema.optionalKey(PosInt),
      invariantEveryBlocks: Schema.optionalKey(PosInt),
    }),
  ),
  faults: Schema.optionalKey(
    Schema.Struct({ ...Link, partitions: Schema.optionalKey(Schema.Array(PartitionSchema)) }),
  ),
  /** Genesis Vault size (pre-computed trap answers). */
  vaultEntries: Schema.optionalKey(
    NonNegInt.pipe(Schema.check(Schema.isLessThanOrEqualTo(MAX_VAULT_ENTRIES))),
  ),
  backend: Schema.optionalKey(
    Schema.Struct({
      /**
       * "simulated" (default): updates are modelled, nothing trains. "kernels":
       * every task trains a LoRA adapter for real with the canonical BitNet
       * kernels (src/kernels), so hashes, losses and tier-3 recomputations are real.
       */
      kind: Schema.optionalKey(Schema.Literals(BACKEND_KINDS)),
      /** Training time per architecture (ms) for one task (virtual time, both kinds). */
      trainMs: Schema.optionalKey(
        Schema.Struct(
          Object.fromEntries(ARCHS.map((a) => [a, Schema.optionalKey(PosInt)])) as {
            [K in ArchName]: Schema.optionalKey<typeof PosInt>;
          },
        ),
      ),
      /** simulated: stored gradient size in availability chunks. */
      chunks: Schema.optionalKey(PosInt),
      /** kernels: AdamW steps per task and predictions per step (default 8 × 32). */
      steps: Schema.optionalKey(PosInt),
      batchTokens: Schema.optionalKey(PosInt),
      /** kernels: the model, over tinyConfig (src/kernels/model.ts). */
      model: Schema.optionalKey(
        Schema.Struct({
          context: Schema.optionalKey(PosInt),
          embDim: Schema.optionalKey(PosInt),
          dModel: Schema.optionalKey(PosInt),
          hidden: Schema.optionalKey(PosInt),
          blocks: Schema.optionalKey(PosInt),
          rank: Schema.optionalKey(PosInt),
          alpha: Schema.optionalKey(PosInt),
        }),
      ),
    }),
  ),
  actors: Schema.Array(ActorGroup),
  /** What the work costs off chain (GPU time, capital), to turn rewards into profit. */
  costs: Schema.optionalKey(Costs),
  /** Parameter sweep: path → values; paths are params.X, faults.X, engine.X, costs.X or actors.GROUP.FIELD. */
  sweep: Schema.optionalKey(Schema.Record(Schema.String, Schema.Array(Scalar))),
});

export type Scenario = typeof ScenarioSchema.Type;
export type ActorGroupConfig = (typeof ScenarioSchema.Type)["actors"][number];

export class ScenarioError extends Error {
  override readonly name = "ScenarioError";
}

const decode = Schema.decodeUnknownSync(ScenarioSchema, {
  errors: "all",
  onExcessProperty: "error",
});

/** Runs (sweep points × seeds) one scenario may ask for: its run list is built in memory. */
export const MAX_SCENARIO_RUNS = 1_000_000;

/** Validates a scenario object; `source` names the file in errors. */
export const parseScenario = (input: unknown, source: string): Scenario => {
  let s: Scenario;
  try {
    s = decode(input);
  } catch (e) {
    throw new ScenarioError(
      `scenario ${source} is invalid:\n${e instanceof Error ? e.message : String(e)}`,
    );
  }
  const problem = checkScenario(s);
  if (problem) throw new ScenarioError(`scenario ${source} is invalid: ${problem}`);
  const runs = Object.values(s.sweep ?? {}).reduce((n, vs) => n * vs.length, 1) * (s.seeds ?? 1);
  if (runs > MAX_SCENARIO_RUNS)
    throw new ScenarioError(
      `scenario ${source} asks for ${runs} runs (sweep points × seeds); at most ${MAX_SCENARIO_RUNS}, each kept in memory: split the sweep`,
    );
  for (const run of expandSweep(s)) {
    const p = checkScenario(run.scenario);
    if (p)
      throw new ScenarioError(
        `scenario ${source}: sweep point ${JSON.stringify(run.overrides)} is invalid: ${p}`,
      );
  }
  return s;
};

export const loadScenario = (path: string): Scenario => {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ScenarioError(
      `can not read scenario ${path}: ${e instanceof Error ? e.message : String(e)}; pass a path to a scenario JSON file (see scenarios/)`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ScenarioError(
      `scenario ${path} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  return parseScenario(json, path);
};

export const scenarioName = (path: string): string => basename(path).replace(/\.json$/, "");

// --- resolution into engine inputs ---

const U64_MAX = 2n ** 64n - 1n;
const camelFields = new Map(ParamsSchema.fields.map((f) => [f.name, f.localName]));

/** Whether `key` names a settable protocol parameter (a scalar or enum field of Params, in camelCase). */
const isParamName = (key: string): boolean => {
  const field = ParamsSchema.fields.find((f) => f.localName === key);
  return field !== undefined && (field.fieldKind === "scalar" || field.fieldKind === "enum");
};
const notAParam = (path: string) =>
  `${path} is not a protocol parameter (camelCase fields of remes.remes.v1.Params, e.g. trapRateBps)`;

/** Default params with the scenario's overrides, or a message naming the bad field. */
export const resolveParams = (s: Scenario): Params | string => {
  const p = create(ParamsSchema, defaultParams());
  for (const [key, value] of Object.entries(s.params ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!isParamName(key)) return notAParam(`params.${key}`);
    const text = String(value);
    if (!/^[0-9]{1,20}$/.test(text))
      return `params.${key} is ${JSON.stringify(value)}: must be a non-negative integer`;
    const big = BigInt(text);
    const current = (p as unknown as Record<string, unknown>)[key];
    if (typeof current === "bigint") {
      if (big > U64_MAX) return `params.${key} exceeds uint64`;
      (p as unknown as Record<string, unknown>)[key] = big;
    } else {
      if (big > 0xffff_ffffn) return `params.${key} exceeds uint32`;
      (p as unknown as Record<string, unknown>)[key] = Number(big);
    }
  }
  const bad = validateParams(p);
  // The protocol names parameters in snake_case (as governance does); the file spells them in camelCase.
  return bad
    ? `params: ${bad.message.replace(/\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b/g, (m) => camelFields.get(m) ?? m)}`
    : p;
};

export const resolveFaults = (s: Scenario, group?: ActorGroupConfig): FaultOptions => ({
  ...defaultFaults(),
  ...(s.faults ?? {}),
  ...(group?.faults ?? {}),
  partitions: s.faults?.partitions ?? [],
});

export const resolveEngine = (s: Scenario): EngineOptions => ({
  ...defaultEngine(),
  ...(s.engine ?? {}),
});

const checkScenario = (s: Scenario): string | undefined => {
  const params = resolveParams(s);
  if (typeof params === "string") return params;
  const faults = checkFaults(resolveFaults(s));
  if (faults) return faults;
  for (const [i, g] of s.actors.entries()) {
    const f = checkFaults(resolveFaults(s, g));
    if (f) return `actors[${i}].${f}`;
    const bad = Object.keys(g.paramChanges ?? {}).find((k) => !isParamName(k));
    if (bad !== undefined) return notAParam(`actors[${i}].paramChanges.${bad}`);
  }
  if (!s.actors.some((g) => g.kind === "honest_validator" || g.kind === "lazy_validator"))
    return "actors: at least one validator group is needed (honest_validator or lazy_validator)";
  return checkBackend(s);
};

/** Fields that belong to the other backend kind, and a kernels model that can not be built. */
const checkBackend = (s: Scenario): string | undefined => {
  const b = s.backend ?? {};
  const kind = b.kind ?? "simulated";
  if (kind === "simulated") {
    for (const f of ["steps", "batchTokens", "model"] as const)
      if (b[f] !== undefined)
        return `backend.${f} applies to backend.kind "kernels" only (this scenario's backend is "simulated")`;
    const onnx = s.actors.findIndex((g) => g.tier2Loss === "onnx");
    if (onnx >= 0)
      return `actors[${onnx}].tier2Loss "onnx" needs backend.kind "kernels" (the simulated backend has no model to export)`;
    return undefined;
  }
  if (b.chunks !== undefined)
    return `backend.chunks applies to backend.kind "simulated" only (a kernels update's size is its file's)`;
  try {
    checkConfig(kernelsModel(s));
  } catch (e) {
    return `backend.${e instanceof Error ? e.message : String(e)}`;
  }
  const model = kernelsModel(s);
  const bt = b.batchTokens ?? 32;
  if (bt > CHUNK_TOKENS - model.context)
    return `backend.batchTokens ${bt} does not fit a ${CHUNK_TOKENS}-token chunk after ${model.context} bytes of context`;
  return undefined;
};

/** The kernels backend's model: tinyConfig with the scenario's overrides. */
export const kernelsModel = (s: Scenario): ModelConfig => ({
  ...tinyConfig,
  ...(s.backend?.model ?? {}),
});

// --- Monte Carlo seeds and sweeps ---

export interface RunSpec {
  readonly seed: number;
  /** Sweep point: path → value (empty without a sweep). */
  readonly overrides: Readonly<Record<string, number | string>>;
  readonly scenario: Scenario;
  /** The scenario file as the user named it (for the reproduce line), when it came from a file. */
  readonly source?: string;
}

const applyOverride = (s: Scenario, path: string, value: number | string): Scenario => {
  const [head, ...rest] = path.split(".");
  if (head === "params" && rest.length === 1)
    return { ...s, params: { ...s.params, [rest[0]!]: value } };
  if ((head === "faults" || head === "engine" || head === "costs") && rest.length === 1) {
    if (typeof value !== "number")
      throw new ScenarioError(`sweep ${path}: values must be integers`);
    return { ...s, [head]: { ...(s[head] ?? {}), [rest[0]!]: value } };
  }
  if (head === "actors" && rest.length === 2) {
    const [group, field] = rest as [string, string];
    let hit = false;
    const actors = s.actors.map((g, i) => {
      if ((g.group ?? `${g.kind}#${i}`) !== group && g.kind !== group) return g;
      hit = true;
      return { ...g, [field]: value };
    });
    if (!hit) throw new ScenarioError(`sweep ${path}: no actor group or kind named ${group}`);
    return { ...s, actors };
  }
  throw new ScenarioError(
    `sweep ${path}: paths are params.FIELD, faults.FIELD, engine.FIELD, costs.FIELD or actors.GROUP.FIELD`,
  );
};

const expandSweep = (
  s: Scenario,
): { overrides: Record<string, number | string>; scenario: Scenario }[] => {
  let points: Record<string, number | string>[] = [{}];
  for (const [path, values] of Object.entries(s.sweep ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    points = points.flatMap((pt) => values.map((v) => ({ ...pt, [path]: v })));
  }
  return points.map((overrides) => {
    let scenario = s;
    for (const [path, v] of Object.entries(overrides)) scenario = applyOverride(scenario, path, v);
    // Re-validate the swept scenario field by field (a value may be out of range).
    try {
      return { overrides, scenario: decode(scenario) };
    } catch (e) {
      throw new ScenarioError(
        `sweep point ${JSON.stringify(overrides)} is invalid:\n${e instanceof Error ? e.message : String(e)}`,
      );
    }
  });
};

/** Every run of a scenario: each sweep point × each Monte Carlo seed, in a fixed order. */
export const expandRuns = (s: Scenario, seeds?: { first?: number; count?: number }): RunSpec[] => {
  const first = seeds?.first ?? s.seed ?? 1;
  const count = seeds?.count ?? s.seeds ?? 1;
  return expandSweep(s).flatMap(({ overrides, scenario }) =>
    Array.from({ length: count }, (_, i) => ({ seed: first + i, overrides, scenario })),
  );
};
