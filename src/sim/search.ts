/**
 * `r3mes sim search`: the best deviation an attacker group can find. The
 * group's strategy options (strategy-space.ts) span a space; a seeded
 * optimiser walks it, scoring each candidate by the group's profit per actor
 * minus its honest counterpart's in the same runs (reports/profit.ts
 * counterpartOf), averaged over Monte Carlo seeds. A coalition (a group
 * name shared by several entries) is scored as a whole: every member counts. Every candidate runs on
 * the same seeds (common random numbers), so two candidates differ by their
 * strategy, not by luck.
 *
 * The optimiser is a (1+1)-style local search with restarts: each step
 * mutates the best point so far (each option with probability 1/2; integer
 * options move by a step that shrinks as the budget is spent) or, one step
 * in four, draws a fresh point uniformly. Hand-written rather than a library
 * because the space is small, mixed (integers, enums, booleans) and every
 * evaluation is a whole simulation: what matters is determinism from one
 * seed and a fixed evaluation budget, which a dozen lines give.
 */
import { counterpartOf } from "../../reports/profit.ts";
import { meanInterval, sampleOf, type Estimate } from "../../reports/stats.ts";
import { hashParts, Prng } from "../protocol/randomness.ts";
import { UREMES_PER_REMES } from "../protocol/params.ts";
import type { RunResult } from "./run.ts";
import { parseScenario, type Scenario, ScenarioError } from "./scenario.ts";
import { type Dim, normalise, spaceOf, type StrategyValue } from "./strategy-space.ts";

export type Point = Readonly<Record<string, StrategyValue>>;

export interface Candidate {
  /** Order in which it was evaluated (0 = the scenario's own strategy). */
  readonly step: number;
  readonly point: Point;
  /** How it was drawn: "start", "mutate" or "random". */
  readonly origin: "start" | "mutate" | "random";
  /** Per seed: the group's mean profit per actor minus its counterpart's (REMES). */
  readonly advantageRemes: readonly number[];
  /** Mean over the seeds, with a 95% Student-t interval when there are two or more. */
  readonly estimate: Estimate;
}

export interface SearchOptions {
  readonly scenario: Scenario;
  /** Actor group: its `group` name (GROUP:KIND where a coalition's group has several searchable kinds), or its kind when the kind has one group. */
  readonly group: string;
  /** Candidates to evaluate, the starting strategy included. */
  readonly budget: number;
  /** Monte Carlo seeds per candidate (the same for all). */
  readonly seeds: number;
  readonly firstSeed: number;
  /** The optimiser's own seed. */
  readonly searchSeed: number;
  readonly blocks?: number;
  readonly run: (
    scenario: Scenario,
    seed: number,
    blocks: number | undefined,
  ) => Promise<RunResult>;
  readonly onCandidate?: (c: Candidate, best: Candidate) => void;
}

export interface SearchResult {
  readonly group: string;
  readonly kind: string;
  readonly counterpart: string;
  readonly dims: readonly Dim[];
  readonly candidates: readonly Candidate[];
  readonly start: Candidate;
  readonly best: Candidate;
  /** The scenario with the best strategy written into the group: runnable as it is. */
  readonly bestScenario: Scenario;
}

/**
 * The group entry searched. A coalition's `group` name may span several
 * entries (e.g. miners and the validator that farms for them): the one whose
 * kind has strategy options is searched, and the whole coalition is scored.
 */
const groupIndex = (s: Scenario, attacker: string): number => {
  const [group, kind] = attacker.split(":") as [string, string | undefined];
  const named = s.actors.flatMap((g, i) =>
    (g.group ?? `${g.kind}#${i}`) === group && (kind === undefined || g.kind === kind) ? [i] : [],
  );
  const choosing = named.filter((i) => spaceOf(s.actors[i]!.kind).length > 0);
  if (choosing.length > 1)
    throw new ScenarioError(
      `--attacker ${attacker}: the group has several kinds with strategy options; name one as ${choosing.map((i) => `${group}:${s.actors[i]!.kind}`).join(" or ")}`,
    );
  if (named.length > 0) return choosing[0] ?? named[0]!;
  const byKind = s.actors.flatMap((g, i) => (g.kind === group ? [i] : []));
  if (byKind.length === 1) return byKind[0]!;
  const names = s.actors.map((g, i) => g.group ?? `${g.kind}#${i}`).join(", ");
  throw new ScenarioError(
    byKind.length > 1
      ? `--attacker ${group}: several groups have that kind; name one of: ${names}`
      : `--attacker ${group}: no actor group or kind of that name in ${s.name} (groups: ${names})`,
  );
};

/** The scenario with `point` written into group `index` (validated like a scenario file). */
export const withPoint = (s: Scenario, index: number, point: Point): Scenario =>
  parseScenario(
    { ...s, actors: s.actors.map((g, i) => (i === index ? { ...g, ...point } : g)) },
    `${s.name} (search point ${JSON.stringify(point)})`,
  );

/** The group's profit per actor minus its counterpart's in one run (REMES). */
export const advantageOf = (r: RunResult, group: string, kind: string): number => {
  const counterpart = counterpartOf(kind).kind;
  const mean = (rows: readonly { profitUremes: bigint }[]) =>
    rows.length === 0
      ? 0
      : Number(rows.reduce((a, p) => a + p.profitUremes, 0n)) /
        rows.length /
        Number(UREMES_PER_REMES);
  const rows = r.profit ?? [];
  const mine = rows.filter((p) => p.group === group);
  if (mine.length === 0) throw new ScenarioError(`search: group ${group} has no actors in the run`);
  return (
    mean(mine) - (counterpart === undefined ? 0 : mean(rows.filter((p) => p.kind === counterpart)))
  );
};

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

const drawValue = (d: Dim, prng: Prng): StrategyValue => {
  if (d.type === "int")
    return d.min + d.step * prng.below(Math.floor((d.max - d.min) / d.step) + 1);
  const values = d.type === "bool" ? [false, true] : d.values;
  return values[prng.below(values.length)]!;
};

const mutate = (d: Dim, v: StrategyValue, prng: Prng, temperature: number): StrategyValue => {
  if (d.type !== "int") return drawValue(d, prng);
  const span = Math.max(1, Math.round((((d.max - d.min) / d.step) * temperature) / 2));
  const delta = (prng.below(2 * span + 1) - span) * d.step;
  return clamp(Number(v) + (delta === 0 ? d.step : delta), d.min, d.max);
};

const keyOf = (p: Point): string =>
  JSON.stringify(
    Object.keys(p)
      .sort()
      .map((k) => [k, p[k]]),
  );

export const search = async (o: SearchOptions): Promise<SearchResult> => {
  if (!Number.isSafeInteger(o.budget) || o.budget < 1 || o.budget > 10_000)
    throw new ScenarioError(`--budget ${o.budget}: give 1..10000 candidates`);
  if (!Number.isSafeInteger(o.seeds) || o.seeds < 1 || o.seeds > 1_000)
    throw new ScenarioError(`--seeds ${o.seeds}: give 1..1000 seeds per candidate`);
  const index = groupIndex(o.scenario, o.group);
  const g = o.scenario.actors[index]!;
  const group = g.group ?? `${g.kind}#${index}`;
  const dims = spaceOf(g.kind);
  if (dims.length === 0)
    throw new ScenarioError(
      `--attacker ${o.group}: kind ${g.kind} has no strategy options to search (see docs/scenarios.md)`,
    );
  const prng = new Prng(hashParts("sim/search", o.searchSeed, o.scenario.name, group));
  const startPoint: Point = normalise(
    dims,
    Object.fromEntries(
      dims.map((d) => [
        d.field,
        ((g as Record<string, unknown>)[d.field] as StrategyValue) ?? d.default,
      ]),
    ),
  );
  const seen = new Map<string, Candidate>();
  const candidates: Candidate[] = [];
  let best: Candidate | undefined;

  const evaluate = async (point: Point, origin: Candidate["origin"]): Promise<Candidate> => {
    const scenario = withPoint(o.scenario, index, point);
    const advantageRemes: number[] = [];
    for (let k = 0; k < o.seeds; k++)
      advantageRemes.push(
        advantageOf(await o.run(scenario, o.firstSeed + k, o.blocks), group, g.kind),
      );
    const c: Candidate = {
      step: candidates.length,
      point,
      origin,
      advantageRemes,
      estimate: meanInterval(sampleOf(advantageRemes)),
    };
    candidates.push(c);
    seen.set(keyOf(point), c);
    if (!best || c.estimate.mean > best.estimate.mean) best = c;
    o.onCandidate?.(c, best);
    return c;
  };

  const start = await evaluate(startPoint, "start");
  let attempts = 0;
  while (candidates.length < o.budget && attempts < o.budget * 20) {
    attempts++;
    const temperature = 1 - candidates.length / o.budget;
    const fresh = prng.below(4) === 0;
    const drawn: Record<string, StrategyValue> = {};
    for (const d of dims)
      drawn[d.field] = fresh
        ? drawValue(d, prng)
        : prng.below(2) === 0
          ? mutate(d, best!.point[d.field]!, prng, temperature)
          : best!.point[d.field]!;
    const point = normalise(dims, drawn);
    if (seen.has(keyOf(point))) continue;
    await evaluate(point, fresh ? "random" : "mutate");
  }
  const b = best!;
  const bestScenario = withPoint(
    {
      ...o.scenario,
      description: `${o.scenario.description} [Strategy of group ${group} found by r3mes sim search (${candidates.length} candidates × ${o.seeds} seeds from seed ${o.firstSeed}, search seed ${o.searchSeed}): ${JSON.stringify(b.point)}, ${b.estimate.mean.toFixed(2)} REMES per actor against ${counterpartOf(g.kind).label}.]`,
    },
    index,
    b.point,
  );
  return {
    group,
    kind: g.kind,
    counterpart: counterpartOf(g.kind).label,
    dims,
    candidates,
    start,
    best: b,
    bestScenario,
  };
};
