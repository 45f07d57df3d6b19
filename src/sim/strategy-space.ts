/**
 * The strategy space of each actor kind: the scenario options an attacker
 * chooses (skip rate, fake mode, effort, timing, …), their ranges and the
 * default makeActor (run.ts) uses when a scenario omits them. `r3mes sim
 * search` explores these; a kind with no entry has nothing to choose.
 */
import type { ActorKind } from "./actor-kinds.ts";

export type StrategyValue = number | string | boolean;

export type Dim =
  | { readonly field: string; readonly type: "int"; readonly min: number; readonly max: number; readonly step: number; readonly default: number }
  | { readonly field: string; readonly type: "enum"; readonly values: readonly string[]; readonly default: string }
  | { readonly field: string; readonly type: "bool"; readonly default: boolean };

const bps = (field: string, dflt: number, min = 0): Dim => ({ field, type: "int", min, max: 10_000, step: 250, default: dflt });

const spaces: Partial<Record<ActorKind, readonly Dim[]>> = {
  lazy_miner: [bps("skipBps", 3_000), { field: "fake", type: "enum", values: ["random", "stale", "partial"], default: "random" }, bps("effortBps", 2_500)],
  poisoner_miner: [{ field: "scaleBps", type: "int", min: 1_000, max: 100_000, step: 1_000, default: 30_000 }],
  lazy_validator: [bps("tier2SampleBps", 10_000)],
  false_challenger: [{ field: "challengesPerWindow", type: "int", min: 0, max: 20, step: 1, default: 2 }],
};

export const spaceOf = (kind: ActorKind): readonly Dim[] => spaces[kind] ?? [];
