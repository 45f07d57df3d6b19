/**
 * Runs a fuzz target: fast-check generates its inputs from a seed (the same
 * seed and run count give the same inputs), the target's oracles judge each
 * one, and the first violation is shrunk to a minimal input and printed with
 * the seed that finds it. Findings of a known class (finding.ts) are counted,
 * with the first input and its run number, and the run goes on.
 */
import fc from "fast-check";
import { expectedDefects, type Finding } from "./finding.ts";
import { showInput } from "./json.ts";

export interface FuzzTarget<T = unknown> {
  readonly name: string;
  readonly description: string;
  /** Inputs this target gets in CI (npm run fuzz:ci): the sum over targets is ≥ 100,000. */
  readonly ciRuns: number;
  readonly arbitrary: () => fc.Arbitrary<T>;
  /** The oracles: undefined when the input is handled correctly. May throw: a throw is a finding too. */
  readonly check: (input: T) => Finding | undefined | Promise<Finding | undefined>;
}

export interface RunOptions {
  readonly seed: number;
  readonly runs: number;
  /** Fail on known classes too (to see a known defect shrunk to its minimal input). */
  readonly strict?: boolean;
  readonly expected?: ReadonlySet<string>;
}

export interface KnownHit {
  count: number;
  /** 1-based number of the input that first showed it. */
  readonly firstRun: number;
  readonly message: string;
  readonly input: string;
}

export interface RunReport {
  readonly target: string;
  readonly seed: number;
  readonly runs: number;
  readonly ms: number;
  readonly inputsPerSec: number;
  readonly violation?: {
    readonly defect: string;
    readonly message: string;
    readonly input: string;
    readonly path: string;
    readonly run: number;
    readonly shrinks: number;
  };
  readonly known: Record<string, KnownHit>;
}

class Violation extends Error {
  constructor(readonly finding: Finding) {
    super(`${finding.defect}: ${finding.message}`);
  }
}

/** Runs the target's check, a throw being a finding of class "<target>.throw". */
export const judge = async <T>(target: FuzzTarget<T>, input: T): Promise<Finding | undefined> => {
  try {
    return await target.check(input);
  } catch (e) {
    return {
      defect: `${target.name}.throw`,
      message: `uncaught: ${e instanceof Error ? (e.stack ?? e.message).split("\n").slice(0, 4).join(" | ") : String(e)}`,
    };
  }
};

export const runTarget = async <T>(target: FuzzTarget<T>, o: RunOptions): Promise<RunReport> => {
  const expected = o.expected ?? expectedDefects();
  const known: Record<string, KnownHit> = {};
  let calls = 0;
  let firstFailure: { finding: Finding; run: number } | undefined;
  const predicate = async (input: T): Promise<boolean> => {
    calls++;
    const f = await judge(target, input);
    if (f === undefined) return true;
    if (firstFailure) {
      // Shrinking: only the class first found counts, so the minimal input shows that very defect.
      if (f.defect !== firstFailure.finding.defect) return true;
      throw new Violation(f);
    }
    if (!o.strict && expected.has(f.defect)) {
      const k = known[f.defect];
      if (k) k.count++;
      else
        known[f.defect] = {
          count: 1,
          firstRun: calls,
          message: f.message,
          input: showInput(input),
        };
      return true;
    }
    firstFailure = { finding: f, run: calls };
    throw new Violation(f);
  };
  const started = performance.now();
  const details = await fc.check(fc.asyncProperty(target.arbitrary(), predicate), {
    seed: o.seed,
    numRuns: o.runs,
  });
  const ms = performance.now() - started;
  const runs = firstFailure ? firstFailure.run : o.runs;
  const report: RunReport = {
    target: target.name,
    seed: o.seed,
    runs,
    ms: Math.round(ms),
    inputsPerSec: Math.round((runs / ms) * 1000),
    known,
  };
  if (!details.failed) return report;
  const input = details.counterexample![0] as T;
  const again = await judge(target, input);
  const f = again ??
    firstFailure?.finding ?? {
      defect: `${target.name}.fast-check`,
      message: String(details.errorInstance),
    };
  return {
    ...report,
    violation: {
      defect: f.defect,
      message: f.message,
      input: showInput(input),
      path: details.counterexamplePath ?? "",
      run: firstFailure?.run ?? runs,
      shrinks: details.numShrinks,
    },
  };
};

/** A 31-bit seed from a commit id (hex): CI fuzzes each commit with new inputs, and any run replays. */
export const seedOfCommit = (sha: string): number => parseInt(sha.slice(0, 8), 16) & 0x7fffffff;

/** Human-readable lines for a report: the figures, each known class, the violation with what replays it. */
export const describeReport = (r: RunReport, strict = false): string[] => {
  const out = [
    `${r.target}: ${r.runs} inputs in ${(r.ms / 1000).toFixed(1)} s (${r.inputsPerSec}/s), seed ${r.seed}`,
  ];
  for (const [d, k] of Object.entries(r.known))
    out.push(
      `  known ${d}: ${k.count} inputs, first at input #${k.firstRun}: ${k.message}\n    input: ${k.input}`,
    );
  if (r.violation) {
    const v = r.violation;
    out.push(
      `  VIOLATION ${v.defect} at input #${v.run} (shrunk ${v.shrinks} times): ${v.message}`,
    );
    out.push(`    minimal input: ${v.input}`);
    out.push(
      `    reproduce: r3mes fuzz --target ${r.target} --seed ${r.seed} --runs ${v.run}${strict ? " --strict" : ""}`,
    );
  }
  return out;
};
