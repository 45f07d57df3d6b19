/**
 * What `r3mes fuzz` (and `npm run fuzz`, `npm run fuzz:ci`) does: runs the
 * chosen targets for a number of inputs (each target's CI share by default)
 * or for a time budget, prints per target a human summary and one JSON line
 * (like the benches), and saves a violation's minimal input as a regression
 * fixture when asked. Exit status 1 on any violation.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expectedDefects } from "./finding.ts";
import { describeReport, type RunReport, runTarget, seedOfCommit } from "./runner.ts";
import { targetNamed, targets } from "./targets.ts";

export interface FuzzOptions {
  readonly target?: string;
  readonly seed?: number;
  readonly runs?: number;
  readonly minutes?: number;
  /** Seed from the commit (git rev-parse HEAD), each target's CI share of inputs. */
  readonly ci?: boolean;
  readonly strict?: boolean;
  /** Folder to write a violation's minimal input to as a fixture (e.g. test/fuzz/corpus). */
  readonly save?: string;
  readonly out?: (line: string) => void;
}

const commit = (): string | undefined => {
  try {
    return execFileSync("git", ["rev-parse", "HEAD"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return undefined;
  }
};

interface Totals {
  inputs: number;
  ms: number;
  known: Record<string, number>;
  violation?: RunReport["violation"];
  seeds: number[];
}

export const runFuzz = async (o: FuzzOptions): Promise<number> => {
  const out = o.out ?? ((l: string) => process.stdout.write(`${l}\n`));
  const chosen = o.target === undefined ? targets : [targetNamed(o.target)];
  if (chosen.some((t) => t === undefined))
    throw new Error(
      `unknown target "${o.target}"; targets: ${targets.map((t) => t.name).join(", ")}`,
    );
  const sha = o.ci ? commit() : undefined;
  const seed = o.seed ?? (sha ? seedOfCommit(sha) : Date.now() % 2 ** 31);
  if (o.ci) out(`fuzz: CI run, seed ${seed}${sha ? ` (from commit ${sha.slice(0, 12)})` : ""}`);
  const expected = expectedDefects();
  let failed = 0;
  for (const t of chosen as NonNullable<(typeof chosen)[number]>[]) {
    const totals: Totals = { inputs: 0, ms: 0, known: {}, seeds: [] };
    const budgetMs = o.minutes !== undefined ? (o.minutes * 60_000) / chosen.length : undefined;
    // A time budget runs batches of fresh seeds (seed, seed + 1, …) until it is spent; else one run of --runs (or the CI share).
    for (let k = 0; ; k++) {
      const s = (seed + k) % 2 ** 31;
      const runs =
        budgetMs !== undefined ? Math.max(100, Math.round(t.ciRuns / 10)) : (o.runs ?? t.ciRuns);
      const r = await runTarget(t, { seed: s, runs, strict: o.strict, expected });
      totals.inputs += r.runs;
      totals.ms += r.ms;
      totals.seeds.push(s);
      for (const [d, hit] of Object.entries(r.known))
        totals.known[d] = (totals.known[d] ?? 0) + hit.count;
      if (budgetMs === undefined || r.violation || k === 0)
        for (const line of describeReport(r, o.strict)) out(line);
      if (r.violation) {
        totals.violation = r.violation;
        failed++;
        if (o.save) {
          mkdirSync(o.save, { recursive: true });
          const file = join(
            o.save,
            `${t.name}-${r.violation.defect.replace(/[^a-z0-9-]+/gi, "_")}-${s}.json`,
          );
          writeFileSync(
            file,
            `${JSON.stringify({ target: t.name, defect: r.violation.defect, found: `seed ${s}, input #${r.violation.run}${sha ? `, commit ${sha.slice(0, 12)}` : ""}`, message: r.violation.message, input: JSON.parse(r.violation.input) as unknown }, null, 2)}\n`,
          );
          out(`    saved as ${file}`);
        }
        break;
      }
      if (budgetMs === undefined || totals.ms >= budgetMs) break;
    }
    const line = {
      bench: "fuzz",
      target: t.name,
      seed: totals.seeds[0],
      batches: totals.seeds.length,
      inputs: totals.inputs,
      seconds: +(totals.ms / 1000).toFixed(1),
      inputsPerSec: Math.round((totals.inputs / Math.max(1, totals.ms)) * 1000),
      violations: totals.violation ? 1 : 0,
      known: totals.known,
    };
    out(JSON.stringify(line));
  }
  return failed > 0 ? 1 : 0;
};
