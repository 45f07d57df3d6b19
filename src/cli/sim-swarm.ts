/**
 * `r3mes sim swarm`: runs swarm seeds (src/sim/swarm.ts), shows progress on
 * a TTY, prints the reproduce line of every failure and a summary. Broken
 * invariants and runs that throw fail the command; halts (the chain stopped
 * because the drawn faults took down more than 1/3 of the validator stake)
 * are listed but expected under such faults, so they do not. With --worlds
 * fault-free or honest, an unfair seed (honest work punished) fails it too.
 */
import { relative, resolve } from "node:path";
import {
  isHalt,
  runSwarm,
  SWARM_BLOCKS,
  SWARM_WORLDS,
  type SeedOutcome,
  type SwarmWorlds,
} from "../sim/swarm.ts";
import { EXIT_INVARIANT } from "./sim-run.ts";

export interface SimSwarmOptions {
  readonly seeds: number;
  readonly first: number;
  readonly blocks: number | undefined;
  readonly out: string | undefined;
  /** drawn | fault-free | honest (src/sim/swarm.ts SwarmWorlds). */
  readonly worlds?: string;
}

const progress = (done: number, total: number, failures: number): void => {
  if (!process.stderr.isTTY) return;
  const width = 30;
  const filled = Math.min(width, Math.floor((done / Math.max(total, 1)) * width));
  process.stderr.write(
    `\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} seeds, ${failures} failing   `,
  );
  if (done >= total) process.stderr.write("\n");
};

const describe = (o: SeedOutcome): string =>
  o.unfair !== undefined
    ? `seed ${o.seed}: UNFAIR: honest work punished:\n  ${o.unfair.join("\n  ")}`
    : o.error !== undefined
      ? `seed ${o.seed}: the run threw:\n  ${o.error.split("\n").slice(0, 6).join("\n  ")}`
      : o.violation && isHalt(o.violation)
        ? `seed ${o.seed}: halted at height ${o.violation.height}: ${o.violation.messages.join("; ")}`
        : `seed ${o.seed}: INVARIANT VIOLATION at height ${o.violation!.height}:\n  ${o.violation!.messages.join("\n  ")}`;

export const runSwarmCli = async (o: SimSwarmOptions): Promise<number> => {
  if (!Number.isSafeInteger(o.seeds) || o.seeds < 1)
    throw new Error(`--seeds must be a positive integer (got ${o.seeds})`);
  if (!Number.isSafeInteger(o.first) || o.first < 0)
    throw new Error(`--first must be a non-negative integer (got ${o.first})`);
  if (o.blocks !== undefined && (!Number.isSafeInteger(o.blocks) || o.blocks < 1))
    throw new Error(`--blocks must be a positive integer (got ${o.blocks})`);
  const worlds = (o.worlds ?? "drawn") as SwarmWorlds;
  if (!SWARM_WORLDS.includes(worlds))
    throw new Error(`--worlds must be one of ${SWARM_WORLDS.join(", ")} (got ${o.worlds})`);
  // Relative to the working directory, so the printed reproduce lines paste as they are.
  const outDir = relative(process.cwd(), resolve(o.out ?? "out/swarm")) || ".";
  const blocks = o.blocks ?? SWARM_BLOCKS;
  console.log(
    `swarm: seeds ${o.first}..${o.first + o.seeds - 1}, ${blocks} blocks each, ${worlds} worlds, scenarios → ${outDir}/seed-N.json`,
  );
  let failing = 0;
  const s = await runSwarm({
    seeds: o.seeds,
    first: o.first,
    blocks,
    outDir,
    worlds,
    onSeed: (x, i) => {
      if (x.violation || x.error !== undefined || x.unfair !== undefined) {
        failing++;
        if (process.stderr.isTTY) process.stderr.write("\n");
        console.log(`${describe(x)}\n${x.reproduce}`);
      }
      progress(i + 1, o.seeds, failing);
    },
  });
  const halts = s.outcomes.filter((x) => x.violation && isHalt(x.violation)).length;
  const broken = s.violations - halts;
  console.log(
    `swarm: ${s.outcomes.length} seeds in ${(s.ms / 1000).toFixed(1)} s: ${broken} invariant violation${broken === 1 ? "" : "s"}, ${s.errors} run${s.errors === 1 ? "" : "s"} that threw, ${halts} halt${halts === 1 ? "" : "s"} (faults beyond 1/3 of the validator stake; not a failure)${worlds === "drawn" ? "" : `, ${s.unfair} unfair seed${s.unfair === 1 ? "" : "s"}`}`,
  );
  return broken > 0 || s.unfair > 0 ? EXIT_INVARIANT : s.errors > 0 ? 1 : 0;
};
