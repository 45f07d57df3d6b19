/**
 * "Does it pay?": each attacker class's profit per actor against its honest
 * counterpart's, with a 95 % interval and a verdict in plain words; where a
 * sweep moves a parameter, the point where an attack stops (or starts)
 * paying; and the closed forms of trap detection beside the measured rates.
 * Inputs are rows of reports/queries/profit_*.sql; docs/profit.md explains
 * the method.
 */
import { type Estimate, meanInterval, sampleOf, type Sample, welchInterval } from "./stats.ts";
import { parseJsonObject } from "./html.ts";
import type { Row } from "./queries.ts";

export type Verdict = "profitable" | "not profitable" | "inconclusive";

/** The actor kind of a class label: "isolated_miner (kernel)" → "isolated_miner". */
export const kindOfClass = (cls: string): string => cls.replace(/ \(.*\)$/, "");

/**
 * Whom a class is compared with: an attacker its honest counterpart; an
 * honest class, and one with no role (false_challenger), staying idle
 * (profit 0): does honest work pay at all?
 */
export const counterpartOf = (cls: string): { readonly kind?: string; readonly label: string } => {
  const kind = kindOfClass(cls);
  if (kind.startsWith("honest_")) return { label: "staying idle" };
  if (kind.endsWith("_miner") || kind === "data_withholder")
    return { kind: "honest_miner", label: "honest mining" };
  if (kind.endsWith("_validator")) return { kind: "honest_validator", label: "honest validation" };
  if (kind.endsWith("_proposer")) return { kind: "honest_proposer", label: "honest proposing" };
  return { label: "staying idle" };
};

export interface Comparison {
  readonly kind: string;
  /** "honest mining", …, "staying idle". */
  readonly counterpart: string;
  /** Class mean − counterpart mean, REMES per actor. */
  readonly estimate: Estimate;
  /** "seeds": paired per seed over Monte Carlo runs; "actors": one run, spread over the class's actors. */
  readonly basis: "seeds" | "actors";
  readonly verdict: Verdict;
  readonly text: string;
}

export const verdictOf = (e: Estimate): Verdict =>
  e.lo === undefined || e.hi === undefined
    ? "inconclusive"
    : e.lo > 0
      ? "profitable"
      : e.hi < 0
        ? "not profitable"
        : "inconclusive";

export const remes = (x: number): string =>
  (Object.is(Math.round(x * 100) / 100, -0) ? 0 : x).toLocaleString("en-US", {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  });

/** The verdict in plain words, e.g. "lazy_miner loses 1,650.00 REMES per actor against honest mining, 95 % CI [−1,900.12, −1,400.50]: not profitable". */
export const verdictText = (kind: string, counterpart: string, e: Estimate): string => {
  const v = verdictOf(e);
  const amount =
    e.mean >= 0
      ? `pays ${remes(e.mean)} REMES more per actor than ${counterpart}`
      : `loses ${remes(-e.mean)} REMES per actor against ${counterpart}`;
  const ci =
    e.lo === undefined || e.hi === undefined
      ? "no interval (a single actor in a single run)"
      : `95% CI [${remes(e.lo)}, ${remes(e.hi)}]`;
  return `${kind} ${amount}, ${ci}: ${v}`;
};

const sampleOfRow = (r: Row): Sample => ({
  n: Number(r.actors),
  mean: Number(r.profit_per_actor_remes),
  variance: Number(r.profit_var_remes2 ?? 0),
});

/**
 * Compares every class with its counterpart over the rows of
 * profit_classes.sql for one sweep point (one run, or several seeds).
 * Several runs: paired per seed (class mean − counterpart mean in each run),
 * Student-t over the seeds. One run: Welch's interval over the actors.
 */
export const compareClasses = (rows: readonly Row[]): Comparison[] => {
  const runs = [...new Set(rows.map((r) => String(r.run_id)))];
  const byRun = new Map(
    runs.map((id) => [
      id,
      new Map(rows.filter((r) => String(r.run_id) === id).map((r) => [String(r.actor_kind), r])),
    ]),
  );
  const honestFirst = (k: string) => (k.startsWith("honest_") ? `0${k}` : `1${k}`);
  const kinds = [...new Set(rows.map((r) => String(r.actor_kind)))].sort((a, b) =>
    honestFirst(a) < honestFirst(b) ? -1 : 1,
  );
  const out: Comparison[] = [];
  for (const kind of kinds) {
    const cp = counterpartOf(kind);
    const present = cp.kind !== undefined && runs.some((id) => byRun.get(id)!.has(cp.kind!));
    const ref = present ? cp.kind : undefined;
    const counterpart =
      present || cp.kind === undefined ? cp.label : `staying idle (no ${cp.kind} in the run)`;
    const paired = runs.flatMap((id) => {
      const m = byRun.get(id)!;
      const k = m.get(kind);
      const c = ref === undefined ? undefined : m.get(ref);
      if (!k || (ref !== undefined && !c)) return [];
      return [Number(k.profit_per_actor_remes) - (c ? Number(c.profit_per_actor_remes) : 0)];
    });
    if (paired.length === 0) continue;
    let estimate: Estimate;
    let basis: Comparison["basis"];
    if (paired.length >= 2) {
      estimate = meanInterval(sampleOf(paired));
      basis = "seeds";
    } else {
      const m = byRun.get(
        runs.find(
          (id) => byRun.get(id)!.has(kind) && (ref === undefined || byRun.get(id)!.has(ref)),
        )!,
      )!;
      const a = sampleOfRow(m.get(kind)!);
      estimate = ref === undefined ? meanInterval(a) : welchInterval(a, sampleOfRow(m.get(ref)!));
      basis = "actors";
    }
    out.push({
      kind,
      counterpart,
      estimate,
      basis,
      verdict: verdictOf(estimate),
      text: verdictText(kind, counterpart, estimate),
    });
  }
  return out;
};

/**
 * Coalitions (a group whose members play several kinds, as miners with the
 * validator that farms for them) are judged as a whole: what the members
 * made beyond what the same actors make playing honestly — each member
 * against the mean of its kind's counterpart (an honest member: its own
 * kind) over the actors OUTSIDE the coalition in the same run, since the
 * coalition's own honest-looking members share its gains. Per member;
 * paired per seed over several runs (one run: no interval).
 */
export const compareCoalitions = (
  coalitionRows: readonly Row[],
  classRows: readonly Row[],
): Comparison[] => {
  const key = (run: unknown, kind: string) => `${String(run)}\u0000${kind}`;
  const classes = new Map(
    classRows.map((r) => [
      key(r.run_id, String(r.actor_kind)),
      { n: Number(r.actors), sum: Number(r.actors) * Number(r.profit_per_actor_remes) },
    ]),
  );
  const inGroup = new Map(
    coalitionRows.map((r) => [
      `${key(r.run_id, String(r.actor_kind))}\u0000${String(r.actor_group)}`,
      { n: Number(r.actors), sum: Number(r.profit_remes) },
    ]),
  );
  const byGroup = new Map<
    string,
    Map<string, { excess: number; members: number; complete: boolean }>
  >();
  for (const r of coalitionRows) {
    const kind = String(r.actor_kind);
    const ref = kind.startsWith("honest_") ? kind : counterpartOf(kind).kind;
    let refMean: number | undefined = 0;
    if (ref !== undefined) {
      const all = classes.get(key(r.run_id, ref));
      const own = inGroup.get(`${key(r.run_id, ref)}\u0000${String(r.actor_group)}`) ?? {
        n: 0,
        sum: 0,
      };
      refMean = all && all.n > own.n ? (all.sum - own.sum) / (all.n - own.n) : undefined;
    }
    let runs = byGroup.get(String(r.actor_group));
    if (!runs) byGroup.set(String(r.actor_group), (runs = new Map()));
    const acc = runs.get(String(r.run_id)) ?? { excess: 0, members: 0, complete: true };
    if (refMean === undefined) acc.complete = false;
    else acc.excess += Number(r.profit_remes) - Number(r.actors) * refMean;
    acc.members += Number(r.actors);
    runs.set(String(r.run_id), acc);
  }
  return [...byGroup]
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([group, runs]) => {
      const perMember = [...runs.values()]
        .filter((a) => a.complete)
        .map((a) => a.excess / a.members);
      if (perMember.length === 0) return [];
      const estimate = meanInterval(sampleOf(perMember));
      const kind = `coalition ${group}`;
      const counterpart = "the same actors playing honestly";
      return [
        {
          kind,
          counterpart,
          estimate,
          basis: perMember.length > 1 ? ("seeds" as const) : ("actors" as const),
          verdict: verdictOf(estimate),
          text: verdictText(kind, counterpart, estimate).replace(" per actor ", " per member "),
        },
      ];
    });
};

// --- break-even along a sweep ---

/** Where a series crosses 0, linearly interpolated between the first pair of points of opposite sign. */
export const zeroCrossing = (xs: readonly number[], ys: readonly number[]): number | undefined => {
  for (let i = 0; i + 1 < xs.length; i++) {
    const [a, b] = [ys[i]!, ys[i + 1]!];
    if (a === 0) return xs[i];
    if (Math.sign(a) !== Math.sign(b) && b !== 0)
      return xs[i]! + ((0 - a) * (xs[i + 1]! - xs[i]!)) / (b - a);
    if (b === 0) return xs[i + 1];
  }
  return undefined;
};

export interface BreakEven {
  readonly kind: string;
  /** Interpolated break-even value of the swept parameter, if the mean crosses 0 in the range. */
  readonly x?: number;
  /** Where the interval's bounds cross 0 (undefined: outside the swept range). */
  readonly lo?: number;
  readonly hi?: number;
  readonly text: string;
}

const num = (x: number): string => x.toLocaleString("en-US", { maximumFractionDigits: 2 });

/**
 * The break-even point of one class along a swept parameter: where its
 * profit against its counterpart crosses 0 (linear between sweep points),
 * and the interval of that point: where the interval's upper and lower
 * bounds cross 0 (open-ended when a bound does not cross in the range).
 */
export const breakEven = (
  kind: string,
  counterpart: string,
  key: string,
  points: readonly { x: number; e: Estimate }[],
): BreakEven => {
  const p = [...points].sort((a, b) => a.x - b.x);
  const xs = p.map((q) => q.x);
  const range = `${key} ${num(xs[0]!)}–${num(xs[xs.length - 1]!)}`;
  const x = zeroCrossing(
    xs,
    p.map((q) => q.e.mean),
  );
  if (x === undefined) {
    const all = p.every((q) => q.e.mean > 0)
      ? `pays more than ${counterpart}`
      : `does not pay against ${counterpart}`;
    return {
      kind,
      text: `${kind} ${all} over the whole swept range (${range}): no break-even point in it`,
    };
  }
  const stops = p[0]!.e.mean > 0;
  const hasCi = p.every((q) => q.e.lo !== undefined && q.e.hi !== undefined);
  const b1 = hasCi
    ? zeroCrossing(
        xs,
        p.map((q) => q.e.lo!),
      )
    : undefined;
  const b2 = hasCi
    ? zeroCrossing(
        xs,
        p.map((q) => q.e.hi!),
      )
    : undefined;
  let lo: number | undefined;
  let hi: number | undefined;
  if (b1 !== undefined && b2 !== undefined) [lo, hi] = [Math.min(b1, b2), Math.max(b1, b2)];
  else if (b1 !== undefined || b2 !== undefined) {
    const b = (b1 ?? b2)!;
    if (b <= x) lo = b;
    else hi = b;
  }
  const ci = !hasCi
    ? "no interval"
    : lo === undefined && hi === undefined
      ? "95% CI wider than the swept range"
      : `95% CI [${lo !== undefined ? num(lo) : `below ${num(xs[0]!)}`}, ${hi !== undefined ? num(hi) : `beyond ${num(xs[xs.length - 1]!)}`}]`;
  return {
    kind,
    x,
    ...(lo !== undefined ? { lo } : {}),
    ...(hi !== undefined ? { hi } : {}),
    text: `${kind} ${stops ? "stops" : "starts"} paying against ${counterpart} at ${key} ≈ ${num(x)} (${ci})`,
  };
};

// --- closed forms for lazy miners ---

/** Chance a lazy task is caught by a trap: trap rate t × skip fraction f. */
export const trapCatchPerTask = (t: number, f: number): number => t * f;

/** Chance a lazy miner is caught by a trap at least once within n tasks. */
export const caughtWithin = (t: number, f: number, n: number): number => 1 - (1 - t * f) ** n;

/**
 * Expected value of one task of a lazy miner against doing it honestly
 * (REMES), counting traps only: with chance f it skips, saving the training
 * it does not do (cost × (1 − effort)), and with chance t that task is a trap
 * that costs it the task's reward and the lazy-mining slash.
 */
export const lazyTaskValue = (o: {
  t: number;
  f: number;
  effort: number;
  cost: number;
  reward: number;
  slash: number;
}): number => o.f * (o.cost * (1 - o.effort) - o.t * (o.reward + o.slash));

const parse = parseJsonObject;

export interface LazyClosedForm {
  readonly group: string;
  readonly actors: number;
  readonly t: number;
  readonly f: number;
  readonly effort: number;
  /** Tasks per actor. */
  readonly n: number;
  readonly perTaskClosed: number;
  readonly perTaskMeasured: number;
  readonly withinClosed: number;
  readonly withinMeasured: number;
  /** Trap-only expected value per task (REMES), and the measured profit gap per task. */
  readonly valueClosed: number;
  readonly valueMeasured: number;
}

/**
 * The closed forms for each lazy_miner group of one run (rows of
 * profit_lazy.sql), from the run's params (trap rate, lazy-mining slash)
 * and the group's configuration (skip share, fake, effort).
 */
export const lazyClosedForms = (run: Row, rows: readonly Row[]): LazyClosedForm[] => {
  const params = parse(run.params);
  const config = parse(run.config);
  const groups = (Array.isArray(config.actors) ? config.actors : []) as Record<string, unknown>[];
  const t = Number(params.trapRateBps ?? 0) / 10_000;
  const slashBps = Number(params.slashLazyMiningBps ?? 0);
  return rows.map((r) => {
    const name = String(r.lazy_group);
    const g = groups.find((x, i) => (x.group ?? `${String(x.kind)}#${i}`) === name) ?? {};
    const f = Number(g.skipBps ?? 3_000) / 10_000;
    const effort = g.fake === "partial" ? Number(g.effortBps ?? 2_500) / 10_000 : 0;
    const actors = Number(r.actors);
    const tasks = Number(r.tasks);
    const n = actors > 0 ? tasks / actors : 0;
    const reward = Number(r.honest_reward_per_task_remes ?? 0);
    const cost = Number(r.honest_cost_per_task_remes ?? 0);
    const slash = (Number(r.stake_per_actor_remes) * slashBps) / 10_000;
    return {
      group: name,
      actors,
      t,
      f,
      effort,
      n,
      perTaskClosed: trapCatchPerTask(t, f),
      perTaskMeasured: tasks > 0 ? Number(r.trap_catches) / tasks : 0,
      withinClosed: caughtWithin(t, f, n),
      withinMeasured: actors > 0 ? Number(r.actors_trapped) / actors : 0,
      valueClosed: lazyTaskValue({ t, f, effort, cost, reward, slash }),
      valueMeasured:
        n > 0 && r.honest_profit_per_actor_remes !== null
          ? (Number(r.profit_per_actor_remes) - Number(r.honest_profit_per_actor_remes)) / n
          : Number.NaN,
    };
  });
};
