/**
 * The strategy space of each actor kind: the scenario options an attacker
 * chooses (skip rate, fake mode, effort, timing, …), their ranges and the
 * default makeActor (run.ts) uses when a scenario omits them. `r3mes sim
 * search` explores these; a kind with no entry has nothing to choose.
 */
import type { ActorKind } from "./actor-kinds.ts";

export type StrategyValue = number | string | boolean;

interface DimBase {
  readonly field: string;
  /** The option matters only when another option has one of these values (e.g. effortBps only for fake "partial"). */
  readonly onlyIf?: { readonly field: string; readonly values: readonly StrategyValue[] };
}

export type Dim = DimBase &
  (
    | {
        readonly type: "int";
        readonly min: number;
        readonly max: number;
        readonly step: number;
        readonly default: number;
      }
    | { readonly type: "enum"; readonly values: readonly string[]; readonly default: string }
    | { readonly type: "bool"; readonly default: boolean }
  );

const bps = (field: string, dflt: number, onlyIf?: DimBase["onlyIf"]): Dim => ({
  field,
  type: "int",
  min: 0,
  max: 10_000,
  step: 250,
  default: dflt,
  ...(onlyIf ? { onlyIf } : {}),
});
const partialOnly = { field: "fake", values: ["partial"] } as const;

const spaces: Partial<Record<ActorKind, readonly Dim[]>> = {
  lazy_miner: [
    bps("skipBps", 3_000),
    { field: "fake", type: "enum", values: ["random", "stale", "partial"], default: "random" },
    bps("effortBps", 2_500, partialOnly),
  ],
  poisoner_miner: [
    { field: "scaleBps", type: "int", min: 1_000, max: 100_000, step: 1_000, default: 30_000 },
  ],
  lazy_validator: [bps("tier2SampleBps", 10_000)],
  copycat_miner: [{ field: "declareSourceArch", type: "bool", default: false }],
  loss_copying_miner: [
    { field: "fake", type: "enum", values: ["stale", "random", "partial"], default: "stale" },
    { field: "spotTraps", type: "bool", default: false },
    bps("effortBps", 2_500, partialOnly),
  ],
  isolated_miner: [
    { field: "isolate", type: "enum", values: ["kernel", "arch"], default: "kernel" },
    { field: "spotTraps", type: "bool", default: false },
  ],
  trap_spotting_miner: [
    { field: "fake", type: "enum", values: ["random", "stale", "partial"], default: "random" },
    bps("effortBps", 2_500, partialOnly),
  ],
  farming_validator: [bps("tier2SampleBps", 10_000)],
  bribing_miner: [
    bps("skipBps", 5_000),
    { field: "fake", type: "enum", values: ["random", "stale", "partial"], default: "partial" },
    bps("effortBps", 2_500, partialOnly),
    { field: "bribeRemes", type: "int", min: 0, max: 200, step: 5, default: 20 },
  ],
  unbonding_miner: [
    bps("skipBps", 10_000),
    { field: "fake", type: "enum", values: ["random", "stale", "partial"], default: "random" },
    bps("effortBps", 2_500, partialOnly),
  ],
  abstaining_validator: [
    { field: "grindCandidates", type: "int", min: 0, max: 16, step: 1, default: 0 },
    { field: "bribeRemes", type: "int", min: 0, max: 200, step: 5, default: 0 },
  ],
  withholding_proposer: [
    { field: "withhold", type: "enum", values: ["blob", "reveal"], default: "blob" },
  ],
  da_griefer: [{ field: "challengesPerWindow", type: "int", min: 0, max: 20, step: 1, default: 4 }],
  false_challenger: [
    { field: "challengesPerWindow", type: "int", min: 0, max: 20, step: 1, default: 2 },
  ],
};

export const spaceOf = (kind: ActorKind): readonly Dim[] => spaces[kind] ?? [];

/** The point with every option that does not matter (onlyIf unmet) at its default: equal strategies compare equal. */
export const normalise = (
  dims: readonly Dim[],
  point: Readonly<Record<string, StrategyValue>>,
): Record<string, StrategyValue> => {
  const out: Record<string, StrategyValue> = { ...point };
  for (const d of dims)
    if (d.onlyIf && !d.onlyIf.values.includes(out[d.onlyIf.field]!)) out[d.field] = d.default;
  return out;
};
