import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ModuleAccount, type State } from "../../src/protocol/state.ts";
import { runScenario } from "../../src/sim/run.ts";
import { loadScenario, resolveFaults } from "../../src/sim/scenario.ts";
import { checkFaults } from "../../src/sim/options.ts";
import type { RunSink } from "../../src/sim/sink.ts";
import { drawScenario, isHalt, runSwarm } from "../../src/sim/swarm.ts";

const outDir = () => mkdtempSync(join(tmpdir(), "swarm-"));

describe("swarm runs", () => {
  it("20 drawn scenarios of 30 blocks keep every invariant and never throw", async () => {
    const s = await runSwarm({ seeds: 20, first: 1, blocks: 30, outDir: outDir() });
    expect(s.outcomes).toHaveLength(20);
    expect(s.errors, s.outcomes.map((o) => o.error ?? "").join("\n")).toBe(0);
    const broken = s.outcomes.filter((o) => o.violation && !isHalt(o.violation));
    expect(broken.map((o) => `${o.reproduce}: ${o.violation!.messages.join("; ")}`)).toEqual([]);
    // The runs did something: most seeds committed every block.
    expect(s.outcomes.filter((o) => o.blocks === 30).length).toBeGreaterThan(15);
  });

  it("the draw is a function of the seed, within the schema and fault bounds, and varies the faults and the actor mix", () => {
    expect(JSON.stringify(drawScenario(7, 30))).toBe(JSON.stringify(drawScenario(7, 30)));
    const drawn = Array.from({ length: 40 }, (_, i) => drawScenario(i + 1, 30));
    const kinds = new Set<string>();
    let lossy = 0,
      crashing = 0,
      partitioned = 0;
    const dir = outDir();
    for (const [i, d] of drawn.entries()) {
      const path = join(dir, `seed-${i + 1}.json`);
      writeFileSync(path, JSON.stringify(d));
      const s = loadScenario(path);
      expect(checkFaults(resolveFaults(s))).toBeUndefined();
      for (const g of s.actors) kinds.add(g.kind);
      expect(s.actors.some((g) => g.kind === "honest_validator")).toBe(true);
      if ((s.faults?.lossBps ?? 0) > 0) lossy++;
      if ((s.faults?.crashBps ?? 0) > 0) crashing++;
      if ((s.faults?.partitions ?? []).length > 0) partitioned++;
    }
    expect(kinds.size).toBeGreaterThan(8);
    for (const n of [lossy, crashing, partitioned]) expect(n).toBeGreaterThan(5);
  });

  it("catches a planted violation and names the seed file that reproduces it", async () => {
    const dir = outDir();
    // Money from nowhere in seed 3's run only.
    const corrupt: RunSink = {
      start() {},
      block: (b) =>
        void (
          b.height === 5 &&
          (b.state as State).balances.set(
            ModuleAccount.communityPool,
            ((b.state as State).balances.get(ModuleAccount.communityPool) ?? 0n) + 1n,
          )
        ),
      end() {},
    };
    const s = await runSwarm({
      seeds: 3,
      first: 2,
      blocks: 20,
      outDir: dir,
      sinkFor: (seed) => (seed === 3 ? corrupt : undefined),
    });
    const bad = s.outcomes.filter((o) => o.violation && !isHalt(o.violation));
    expect(bad.map((o) => o.seed)).toEqual([3]);
    expect(bad[0]!.violation!.messages.join("\n")).toMatch(/^supply:/m);
    expect(bad[0]!.reproduce).toBe(
      `reproduce with: r3mes sim run ${join(dir, "seed-3.json")} --seed 3`,
    );
    // The file is the drawn scenario, and running it with the seed is the swarm's run.
    const file = loadScenario(join(dir, "seed-3.json"));
    expect(JSON.parse(readFileSync(join(dir, "seed-3.json"), "utf8"))).toEqual(drawScenario(3, 20));
    const again = await runScenario(file, { seed: 3, sink: corrupt });
    expect(again.violation).toEqual(bad[0]!.violation);
  });
});
