/**
 * The off-chain cost model: what an actor's work and capital cost, in REMES,
 * so a report can say whether a behaviour pays, not only what it minted.
 * A scenario's `costs` section (schema in scenario.ts) overrides the
 * defaults below; docs/profit.md lists every field with its unit and the
 * assumptions behind the defaults.
 *
 * Training is priced from what miners recorded in the WorkLedger (nominal
 * milliseconds on their own architecture, src/actors/work.ts); a tier-2
 * loss recomputation, a tier-3 recomputation and an aggregation are priced
 * per unit (the ledger counts them), on the architecture the model names.
 * Bonded stake costs its annual rate, prorated over the simulated time.
 * Nothing here touches the chain: costs are floats turned into uremes once,
 * per actor, with Math.round.
 */
import { defaultTrainMs } from "../actors/backend.ts";
import type { WorkKind, WorkTotals } from "../actors/work.ts";
import { UREMES_PER_REMES } from "../protocol/params.ts";
import { ARCHS, type ArchName, type Scenario } from "./scenario.ts";

export interface CostModel {
  /** Price of one REMES in US dollars: converts every cost to REMES. */
  readonly remesUsd: number;
  /** Hourly cost of one device of each architecture (USD per hour: rent or power plus depreciation). */
  readonly gpuUsdPerHour: Readonly<Record<ArchName, number>>;
  /** Where a validator recomputes a tier-2 loss on one batch, and how long it takes (ms). */
  readonly tier2Arch: ArchName;
  readonly tier2BatchMs: number;
  /** Where a tier-3 panel member recomputes a disputed job (deterministic CPU), and how long (ms). */
  readonly tier3Arch: ArchName;
  readonly tier3JobMs: number;
  /** Where a proposer (or a validator checking it) combines a window's updates, and how long (ms). */
  readonly aggregateArch: ArchName;
  readonly aggregateMs: number;
  /** Annual cost of capital on bonded stake (bps per year). */
  readonly capitalRateBps: number;
}

/**
 * Defaults: on-demand cloud prices of late 2025 rounded (a CPU node's few
 * cores, P100, A100, L40S-class Ada, H100, B200), a REMES at one US cent,
 * a 5 % yearly cost of capital. With them an honest miner of
 * scenarios/baseline.json spends about 1 REMES of GPU time per task it is
 * paid about 8 REMES for.
 */
export const DEFAULT_COSTS = {
  remesUsd: 0.01,
  gpuUsdPerHour: { CPU: 0.1, PASCAL: 0.4, AMPERE: 1.2, ADA: 0.8, HOPPER: 2.5, BLACKWELL: 4 },
  tier2Arch: "AMPERE",
  tier2BatchMs: 2_000,
  tier3Arch: "CPU",
  aggregateArch: "CPU",
  aggregateMs: 1_000,
  capitalRateBps: 500,
} as const satisfies Omit<CostModel, "tier3JobMs">;

export const YEAR_MS = 365.25 * 24 * 3_600_000;

/**
 * The scenario's cost model, defaults filled in. A tier-3 job is a full
 * recomputation of the task, so it takes by default the scenario's training
 * time on the tier-3 architecture (backend.trainMs, else the backend's default).
 */
export const resolveCosts = (s: Pick<Scenario, "costs" | "backend">): CostModel => {
  const c = s.costs ?? {};
  const tier3Arch = c.tier3Arch ?? DEFAULT_COSTS.tier3Arch;
  const trainMs = { ...defaultTrainMs, ...(s.backend?.trainMs ?? {}) } as Record<string, number>;
  return {
    remesUsd: c.remesUsd ?? DEFAULT_COSTS.remesUsd,
    gpuUsdPerHour: { ...DEFAULT_COSTS.gpuUsdPerHour, ...(c.gpuUsdPerHour ?? {}) },
    tier2Arch: c.tier2Arch ?? DEFAULT_COSTS.tier2Arch,
    tier2BatchMs: c.tier2BatchMs ?? DEFAULT_COSTS.tier2BatchMs,
    tier3Arch,
    tier3JobMs: c.tier3JobMs ?? trainMs[tier3Arch]!,
    aggregateArch: c.aggregateArch ?? DEFAULT_COSTS.aggregateArch,
    aggregateMs: c.aggregateMs ?? DEFAULT_COSTS.aggregateMs,
    capitalRateBps: c.capitalRateBps ?? DEFAULT_COSTS.capitalRateBps,
  };
};

const isArch = (a: string): a is ArchName => (ARCHS as readonly string[]).includes(a);

/** Kinds priced per unit on the model's architecture (the ledger counts them; any ms it holds for them are added). */
const unitOf = (m: CostModel, kind: WorkKind): { arch: ArchName; ms: number } | undefined =>
  kind === "tier2"
    ? { arch: m.tier2Arch, ms: m.tier2BatchMs }
    : kind === "tier3"
      ? { arch: m.tier3Arch, ms: m.tier3JobMs }
      : kind === "aggregate"
        ? { arch: m.aggregateArch, ms: m.aggregateMs }
        : undefined;

export interface WorkCost {
  /** Device milliseconds of all the actor's work (recorded plus per-unit). */
  readonly gpuMs: number;
  /** Their cost in uremes (rounded once). */
  readonly uremes: bigint;
}

/** Prices an actor's recorded work. Milliseconds on an architecture the model does not name cost nothing (and are still counted). */
export const workCost = (m: CostModel, w: WorkTotals): WorkCost => {
  let gpuMs = 0;
  let usd = 0;
  const price = (arch: string, ms: number) => {
    gpuMs += ms;
    if (isArch(arch)) usd += (ms / 3_600_000) * m.gpuUsdPerHour[arch];
  };
  for (const [key, ms] of w.ms) {
    const [kind, arch = ""] = key.split("/") as [WorkKind, string?];
    const unit = unitOf(m, kind);
    price(arch === "" && unit ? unit.arch : arch, ms);
  }
  for (const [kind, n] of w.count) {
    const unit = unitOf(m, kind);
    if (unit) price(unit.arch, n * unit.ms);
  }
  return { gpuMs, uremes: BigInt(Math.round((usd / m.remesUsd) * Number(UREMES_PER_REMES))) };
};

/** Cost of keeping `stakeUremes` bonded for `simMs` at the model's annual rate (integer uremes, rounded down). */
export const capitalCost = (m: CostModel, stakeUremes: bigint, simMs: number): bigint =>
  (stakeUremes * BigInt(m.capitalRateBps) * BigInt(Math.round(simMs))) /
  (10_000n * BigInt(YEAR_MS));
