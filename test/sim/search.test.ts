import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { runScenario } from "../../src/sim/run.ts";
import { loadScenario, type Scenario } from "../../src/sim/scenario.ts";
import { search } from "../../src/sim/search.ts";

const load = (name: string) => loadScenario(resolve(import.meta.dirname, "../../scenarios", name));
const run = (s: Scenario, seed: number, blocks: number | undefined) =>
  runScenario(s, { seed, ...(blocks !== undefined ? { blocks } : {}) });
const opts = { seeds: 2, firstSeed: 1, searchSeed: 1, blocks: 200, run } as const;

describe("r3mes sim search", () => {
  it("finds no loss-copying strategy that beats honest work: tier-1 mismatches are recomputed at tier 3, so every fake is rejected and slashed", async () => {
    const scenario = load("attacks/loss_copier.json");
    const r = await search({ ...opts, scenario, group: "plain", budget: 5 });
    expect(r.start.point).toMatchObject({ fake: "stale", spotTraps: false });
    expect(r.start.estimate.mean).toBeLessThan(0);
    // Before the hardening, spotting traps made copying pay (best mean > 0). Now even the
    // best candidate loses against an honest miner with its whole 95% interval below zero
    // (about -1,400 REMES per actor over 200 blocks × 2 seeds: the tier-3 slashes).
    for (const c of r.candidates) expect(c.estimate.hi).toBeLessThan(0);
    expect(r.best.estimate.mean).toBeLessThan(0);
    expect(r.best.estimate.hi).toBeLessThan(0);
  });

  it("finds no profitable group-isolation strategy: trap spotting used to make it pay, trap audits of real jobs catch every variant", async () => {
    const r = await search({
      ...opts,
      scenario: load("attacks/isolator.json"),
      group: "kernel",
      budget: 4,
    });
    expect(r.start.estimate.mean).toBeLessThan(0);
    // Before traps became audits of real jobs the best candidate spotted traps and was paid (best mean > 0).
    for (const c of r.candidates) expect(c.estimate.mean).toBeLessThan(0);
  });

  it("is deterministic: the same seeds give the same candidates, and every candidate is a distinct strategy", async () => {
    const scenario = load("lazy_30.json");
    const a = await search({
      ...opts,
      seeds: 1,
      blocks: 80,
      scenario,
      group: "lazy_miner",
      budget: 4,
    });
    const b = await search({
      ...opts,
      seeds: 1,
      blocks: 80,
      scenario,
      group: "lazy_miner",
      budget: 4,
    });
    expect(b.candidates).toEqual(a.candidates);
    expect(new Set(a.candidates.map((c) => JSON.stringify(c.point))).size).toBe(
      a.candidates.length,
    );
    // effortBps only matters to fake "partial": elsewhere it stays at its default.
    for (const c of a.candidates)
      if (c.point.fake !== "partial") expect(c.point.effortBps).toBe(2_500);
  });

  it("says which groups exist when the attacker is unknown, and refuses kinds with nothing to choose", async () => {
    const scenario = load("baseline.json");
    await expect(search({ ...opts, scenario, group: "nobody", budget: 2 })).rejects.toThrow(
      /no actor group or kind of that name.*groups: honest_miner#0/,
    );
    await expect(search({ ...opts, scenario, group: "honest_miner", budget: 2 })).rejects.toThrow(
      /no strategy options to search/,
    );
  });
});

describe("r3mes sim search's files", () => {
  it("writes the best strategy as a scenario that loads, every candidate, and a report of the search", async () => {
    const { mkdtempSync, readFileSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { runSearch } = await import("../../src/cli/sim-search.ts");
    const out = mkdtempSync(join(tmpdir(), "r3mes-search-"));
    try {
      const path = resolve(import.meta.dirname, "../../scenarios/attacks/isolator.json");
      await runSearch({
        scenario: path,
        attacker: "kernel",
        budget: 2,
        seeds: 1,
        seed: 1,
        searchSeed: 1,
        blocks: 80,
        out,
        json: true,
      });
      const best = loadScenario(join(out, "best.json"));
      expect(best.description).toMatch(/found by r3mes sim search/);
      expect(JSON.parse(readFileSync(join(out, "candidates.json"), "utf8"))).toHaveLength(2);
      const html = readFileSync(join(out, "report.html"), "utf8");
      expect(html).toMatch(/Strategy search: kernel in isolator\.json/);
      expect(html).toMatch(/<svg/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe("a small search per attacker kind", async () => {
  const { readdirSync } = await import("node:fs");
  const { ACTOR_KINDS } = await import("../../src/sim/actor-kinds.ts");
  const { spaceOf } = await import("../../src/sim/strategy-space.ts");
  const root = resolve(import.meta.dirname, "../../scenarios");
  const files = readdirSync(root, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".json"))
    .sort();
  // A search runs one sweep point: the scenario's own values.
  const scenarios = files
    .map((f) => loadScenario(resolve(root, f)))
    .filter((s) => (s.backend?.kind ?? "simulated") === "simulated")
    .map(({ sweep: _, ...s }) => s);
  const searchable = ACTOR_KINDS.filter((k) => spaceOf(k).length > 0);

  it.each(searchable)(
    "%s: a shipped scenario has it, and a 2-candidate search scores its strategies without error",
    async (kind) => {
      const home = scenarios.find((s) => s.actors.some((g) => g.kind === kind));
      expect(home, `no shipped scenario has a ${kind} group`).toBeDefined();
      const i = home!.actors.findIndex((g) => g.kind === kind);
      const r = await search({
        ...opts,
        seeds: 1,
        blocks: 60,
        scenario: home!,
        group: `${home!.actors[i]!.group ?? `${kind}#${i}`}:${kind}`,
        budget: 2,
      });
      expect(r.candidates.length).toBeGreaterThanOrEqual(1);
      expect(r.best.estimate.mean).toBeGreaterThanOrEqual(r.start.estimate.mean);
      for (const c of r.candidates) expect(Number.isFinite(c.estimate.mean)).toBe(true);
    },
  );
});
