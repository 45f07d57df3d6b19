/**
 * A standing guard on fairness, beside the swarm's invariants
 * (src/sim/swarm.ts `SwarmWorlds`): in honest worlds (the drawn honest groups
 * only, no faults) nobody is ever slashed or ends with less than it started
 * with, fees included; in fault-free worlds with every drawn attacker, no
 * honest miner or proposer is ever slashed — whatever parameters, actor mix
 * and tier-3 recomputation time the swarm draws. A rule that punishes honest
 * work it could not have done better fails here with the seed that shows it
 * (found this way: an honest proposer slashed for a window whose work was
 * still under audit at its commit deadline; one refused its reveal beside
 * data withholders). `HONEST_SEEDS=N` runs more.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runSwarm, type SwarmWorlds } from "../../src/sim/swarm.ts";

const SEEDS = Number(process.env.HONEST_SEEDS ?? 200);
const BLOCKS = 150;
const out = mkdtempSync(join(tmpdir(), "r3mes-fair-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Every seed's failure, named: an invariant, a throw, or what was unfair. */
const failures = async (worlds: SwarmWorlds): Promise<string[]> => {
  const s = await runSwarm({ seeds: SEEDS, blocks: BLOCKS, outDir: join(out, worlds), worlds });
  return s.outcomes.flatMap((o) => [
    ...(o.violation ? [`seed ${o.seed}: ${o.violation.messages.join("; ")}`] : []),
    ...(o.error !== undefined ? [`seed ${o.seed}: threw ${o.error.split("\n")[0]}`] : []),
    ...(o.unfair ?? []).map((u) => `seed ${o.seed}: ${u}`),
  ]);
};

describe("honest actors in a fault-free world", () => {
  it(`are never slashed and never end with less than they had, over ${SEEDS} drawn parameter sets and actor mixes`, async () => {
    expect(await failures("honest")).toEqual([]);
  });
});

describe("honest miners and proposers beside attackers, without faults", () => {
  it(`are never slashed, over ${SEEDS} drawn attacker mixes`, async () => {
    expect(await failures("fault-free")).toEqual([]);
  });
});
