/**
 * Target "scenario": scenario files (src/sim/scenario.ts) as a user or a
 * script might botch them. Input: one of the project's scenarios and a few
 * edits at paths inside it — delete, set to an edge value (null, -1, 0.5,
 * 2^31, 2^53, 1e308, "", a 10 kB string, [], {}, "__proto__" …), wrap in an
 * array, turn into a string, grow an array, add an unknown key — applied to
 * the parsed JSON and round-tripped through JSON text, so parseScenario sees
 * what loadScenario would.
 *
 * Oracles: parseScenario and what a run resolves next (params, engine,
 * faults, the run list) either succeed or throw a ScenarioError — nothing
 * else escapes; and an accepted scenario asks for a bounded number of runs
 * (the run list is materialised in memory).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import {
  expandRuns,
  parseScenario,
  resolveEngine,
  resolveFaults,
  resolveParams,
  ScenarioError,
} from "../../sim/scenario.ts";
import { actorCount } from "../../sim/limits.ts";
import { runScenario } from "../../sim/run.ts";
import { finding, type Finding } from "../finding.ts";
import type { FuzzTarget } from "../runner.ts";

const dir = fileURLToPath(new URL("../../../scenarios/", import.meta.url));
let bases: { name: string; json: unknown }[] | undefined;
const loadBases = () =>
  (bases ??= [
    ...readdirSync(dir)
      .filter((f) => f.endsWith(".json"))
      .sort()
      .map((f) => join(dir, f)),
    ...readdirSync(join(dir, "attacks"))
      .filter((f) => f.endsWith(".json"))
      .sort()
      .map((f) => join(dir, "attacks", f)),
  ].map((p) => ({
    name: p.slice(dir.length),
    json: JSON.parse(readFileSync(p, "utf8")) as unknown,
  })));

const EDGES: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1,
  0.5,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 53,
  1e308,
  -1e308,
  "",
  "x",
  "AMPERE",
  "honest_miner",
  "__proto__",
  "a".repeat(10_000),
  [],
  {},
  [1, 2, 3],
  { x: 1 },
];

export type Edit =
  | { readonly op: "delete"; readonly at: number }
  | { readonly op: "set"; readonly at: number; readonly value: number }
  | { readonly op: "wrap"; readonly at: number }
  | { readonly op: "stringify"; readonly at: number }
  | { readonly op: "grow"; readonly at: number; readonly n: number }
  | { readonly op: "key"; readonly at: number; readonly key: string; readonly value: number }
  /** A number in the scenario scaled by `factor` (rounded when it was an integer): plausible values, for runs. */
  | { readonly op: "nudge"; readonly at: number; readonly factor: number };

export interface ScenarioInput {
  /** A scenario file under scenarios/, e.g. "baseline.json" or "attacks/forger.json". */
  readonly base: string;
  readonly edits: readonly Edit[];
}

export const scenarioArb = (): fc.Arbitrary<ScenarioInput> => {
  const at = fc.nat(1000);
  const value = fc.nat(EDGES.length - 1);
  const edit: fc.Arbitrary<Edit> = fc.oneof(
    fc.record({ op: fc.constant("delete" as const), at }),
    { weight: 3, arbitrary: fc.record({ op: fc.constant("set" as const), at, value }) },
    fc.record({ op: fc.constant("wrap" as const), at }),
    fc.record({ op: fc.constant("stringify" as const), at }),
    fc.record({ op: fc.constant("grow" as const), at, n: fc.integer({ min: 2, max: 30 }) }),
    fc.record({
      op: fc.constant("key" as const),
      at,
      key: fc.constantFrom("__proto__", "constructor", "extra", "seeds", "sweep", "toString"),
      value,
    }),
  );
  return fc.record({
    base: fc.constantFrom(...loadBases().map((b) => b.name)),
    edits: fc.array(edit, { minLength: 1, maxLength: 4 }),
  });
};

type Container = Record<string, unknown> | unknown[];
/** Every (container, key) pair inside a JSON value, in a fixed order. */
const slots = (
  v: unknown,
  out: [Container, string | number][] = [],
): [Container, string | number][] => {
  if (Array.isArray(v)) v.forEach((x, i) => (out.push([v, i]), slots(x, out)));
  else if (v !== null && typeof v === "object")
    for (const k of Object.keys(v))
      (out.push([v as Container, k]), slots((v as Record<string, unknown>)[k], out));
  return out;
};
const put = (c: Container, k: string | number, v: unknown) =>
  Object.defineProperty(c, k, { value: v, enumerable: true, writable: true, configurable: true });
const containers = (v: unknown): Container[] => [
  v as Container,
  ...slots(v)
    .map(([c, k]) => (c as Record<string, unknown>)[k as string])
    .filter((x): x is Container => x !== null && typeof x === "object"),
];

const applyEdit = (root: unknown, e: Edit): void => {
  if (e.op === "nudge") {
    const nums = slots(root).filter(
      ([c, k]) => typeof (c as Record<string, unknown>)[k as string] === "number",
    );
    if (nums.length === 0) return;
    const [c, k] = nums[e.at % nums.length]!;
    const cur = (c as Record<string, unknown>)[k as string] as number;
    put(c, k, Number.isInteger(cur) ? Math.round(cur * e.factor) : cur * e.factor);
    return;
  }
  if (e.op === "key") {
    const cs = containers(root).filter((c) => !Array.isArray(c));
    put(cs[e.at % cs.length]!, e.key, structuredClone(EDGES[e.value % EDGES.length]));
    return;
  }
  const all = slots(root);
  if (all.length === 0) return;
  const [c, k] = all[e.at % all.length]!;
  const cur = (c as Record<string, unknown>)[k as string];
  switch (e.op) {
    case "delete":
      if (Array.isArray(c)) c.splice(k as number, 1);
      else delete c[k as string];
      break;
    case "set":
      put(c, k, structuredClone(EDGES[e.value % EDGES.length]));
      break;
    case "wrap":
      put(c, k, [cur]);
      break;
    case "stringify":
      put(c, k, JSON.stringify(cur) ?? "");
      break;
    case "grow": {
      const arr = Array.isArray(cur) ? cur : [cur];
      put(
        c,
        k,
        Array.from({ length: e.n }, (_, i) =>
          typeof arr[0] === "number"
            ? (arr[0] as number) + i
            : structuredClone(arr[i % Math.max(1, arr.length)]),
        ),
      );
      break;
    }
  }
};

/** The scenario text an input stands for. */
export const scenarioText = (input: ScenarioInput): string => {
  const bs = loadBases();
  const json = structuredClone((bs.find((b) => b.name === input.base) ?? bs[0]!).json);
  for (const e of input.edits) applyEdit(json, e);
  return JSON.stringify(json);
};

/** Runs an accepted scenario may ask for before it is refused (each is kept in memory as a RunSpec). */
export const MAX_RUNS = 1_000_000;

export const checkScenario = (input: ScenarioInput): Finding | undefined => {
  const text = scenarioText(input);
  try {
    const s = parseScenario(JSON.parse(text), "fuzz");
    resolveParams(s);
    resolveEngine(s);
    for (const g of s.actors) resolveFaults(s, g);
    const points = Object.values(s.sweep ?? {}).reduce((n, vs) => n * vs.length, 1);
    const runs = points * (s.seeds ?? 1);
    if (runs > MAX_RUNS)
      return finding(
        "scenario.unbounded-runs",
        `an accepted scenario asks for ${runs} runs (${points} sweep points × ${s.seeds ?? 1} seeds); its run list is built in memory`,
      );
    expandRuns(s);
    return undefined;
  } catch (e) {
    if (e instanceof ScenarioError) return undefined;
    return finding(
      "scenario.uncaught",
      `${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`.slice(0, 300),
    );
  }
};

export const scenarioTarget: FuzzTarget<ScenarioInput> = {
  name: "scenario",
  description:
    "mutated scenario JSON: a ScenarioError or an accepted scenario with a bounded run list, never another exception",
  ciRuns: 20_000,
  arbitrary: scenarioArb,
  check: checkScenario,
};

/** A short run's size: the first run of an accepted scenario, this many blocks, if it has at most MAX_RUN_ACTORS actors. */
export const RUN_BLOCKS = 40;
export const MAX_RUN_ACTORS = 300;

/**
 * Target "scenario-run": the same edited scenarios, and each one accepted
 * (and small enough) run for its first RUN_BLOCKS blocks. Oracles: only a
 * ScenarioError escapes (a field the parser let through must not crash the
 * engine or an actor), and the run ends with no invariant violation.
 */
export const checkScenarioRun = async (input: ScenarioInput): Promise<Finding | undefined> => {
  let first: ReturnType<typeof expandRuns>[number] | undefined;
  try {
    const s = parseScenario(JSON.parse(scenarioText(input)), "fuzz");
    if (actorCount(s) > MAX_RUN_ACTORS) return undefined;
    first = expandRuns(s, { count: 1 })[0];
  } catch {
    return undefined; // the scenario target judges what parsing throws
  }
  if (first === undefined) return undefined;
  try {
    const r = await runScenario(first.scenario, {
      seed: first.seed,
      blocks: Math.min(first.scenario.blocks, RUN_BLOCKS),
    });
    if (r.violation)
      return finding(
        "scenario.run-violation",
        `a run of the accepted scenario broke an invariant: ${JSON.stringify(r.violation).slice(0, 300)}`,
      );
    return undefined;
  } catch (e) {
    if (e instanceof ScenarioError) return undefined;
    return finding(
      "scenario.run-uncaught",
      `a run of the accepted scenario threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`.slice(
        0,
        300,
      ),
    );
  }
};

export const scenarioRunTarget: FuzzTarget<ScenarioInput> = {
  name: "scenario-run",
  description: `mutated scenario JSON that parses, run for ${RUN_BLOCKS} blocks (≤ ${MAX_RUN_ACTORS} actors): only a ScenarioError escapes, no invariant breaks`,
  ciRuns: 300,
  arbitrary: () =>
    fc.record({
      base: fc.constantFrom(...loadBases().map((b) => b.name)),
      edits: fc.array(
        fc.oneof(
          {
            weight: 4,
            arbitrary: fc.record({
              op: fc.constant("nudge" as const),
              at: fc.nat(1000),
              factor: fc.constantFrom(0, 0.5, 2, 3, 10, -1),
            }),
          },
          { weight: 1, arbitrary: scenarioArb().map((i) => i.edits[0]!) },
        ),
        { minLength: 1, maxLength: 3 },
      ),
    }),
  check: checkScenarioRun,
};
