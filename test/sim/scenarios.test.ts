import { readdirSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { runScenario } from "../../src/sim/run.ts";
import { expandRuns, loadScenario, parseScenario } from "../../src/sim/scenario.ts";

const dir = resolve(import.meta.dirname, "../../scenarios");
// Recursive: scenarios/attacks/ holds the attack library.
const files = readdirSync(dir, { recursive: true, encoding: "utf8" })
  .filter((f) => f.endsWith(".json"))
  .sort();

describe("shipped scenarios", () => {
  it("include the ones the project promises", () => {
    for (const name of [
      "baseline",
      "lazy_10",
      "lazy_30",
      "lazy_50",
      "copycats",
      "proposer_collusion",
      "sybil",
      "poisoning",
      "lazy_validators",
      "false_challengers",
      "data_withholding",
      "network_faults",
      "lazy_sweep",
    ]) {
      expect(files).toContain(`${name}.json`);
    }
  });

  for (const file of files) {
    it(`${file} validates and its short form runs with the invariants holding at every block`, async () => {
      const s = loadScenario(resolve(dir, file));
      const [first] = expandRuns(s, { count: 1 });
      const r = await runScenario(first!.scenario, {
        seed: first!.seed,
        blocks: Math.min(s.shortBlocks ?? 120, s.blocks),
      });
      expect(r.violation).toBeUndefined();
      expect(r.blocks).toBe(Math.min(s.shortBlocks ?? 120, s.blocks));
      expect(r.stats.txsIncluded).toBeGreaterThan(0);
    });
  }
});

describe("scenario validation", () => {
  const good = {
    name: "t",
    description: "d",
    blocks: 10,
    actors: [{ kind: "honest_validator", count: 1 }],
  };

  it("names the file and the field of each bad value", () => {
    const bad = {
      ...good,
      blocks: 0,
      actors: [
        { kind: "wizard", count: 1 },
        { kind: "lazy_miner", count: 2, skipBps: 12_000 },
      ],
    };
    const err = (() => {
      try {
        parseScenario(bad, "scenarios/oops.json");
      } catch (e) {
        return String(e);
      }
      return "";
    })();
    expect(err).toContain("scenarios/oops.json");
    expect(err).toContain(`["blocks"]`);
    expect(err).toContain(`["actors"][0]["kind"]`);
    expect(err).toContain(`["actors"][1]["skipBps"]`);
  });

  it("rejects unknown fields, unknown protocol parameters and broken fault ratios", () => {
    expect(() => parseScenario({ ...good, colour: "red" }, "x.json")).toThrow(
      /x\.json[\s\S]*colour/,
    );
    expect(() => parseScenario({ ...good, params: { trapRate: 5 } }, "x.json")).toThrow(
      /params\.trapRate is not a protocol parameter/,
    );
    expect(() => parseScenario({ ...good, params: { windowBlocks: 1 } }, "x.json")).toThrow(
      /windowBlocks must be at least 2/,
    );
    expect(() =>
      parseScenario(
        { ...good, faults: { onlineToSpottyBps: 6_000, onlineToOfflineBps: 6_000 } },
        "x.json",
      ),
    ).toThrow(/exceeds 10000/);
    expect(() =>
      parseScenario({ ...good, actors: [{ kind: "honest_miner", count: 1 }] }, "x.json"),
    ).toThrow(/at least one validator/);
  });

  it("rejects a sweep point that is out of range, naming it", () => {
    expect(() =>
      parseScenario({ ...good, sweep: { "params.trapRateBps": [100, 20_000] } }, "x.json"),
    ).toThrow(/sweep point .*20000/);
    expect(() =>
      parseScenario({ ...good, sweep: { "actors.nobody.skipBps": [1] } }, "x.json"),
    ).toThrow(/no actor group or kind named nobody/);
  });

  it("expands a sweep × Monte Carlo seeds into runs in a fixed order", () => {
    const s = parseScenario(
      {
        ...good,
        seed: 5,
        seeds: 2,
        sweep: { "params.trapRateBps": [500, 1000], "params.slashLazyMiningBps": [2000, 5000] },
      },
      "x.json",
    );
    const runs = expandRuns(s);
    expect(runs).toHaveLength(8);
    expect(runs.map((r) => r.seed)).toEqual([5, 6, 5, 6, 5, 6, 5, 6]);
    expect(runs[0]!.overrides).toEqual({
      "params.slashLazyMiningBps": 2000,
      "params.trapRateBps": 500,
    });
    expect(runs[7]!.scenario.params).toEqual({ slashLazyMiningBps: 5000, trapRateBps: 1000 });
  });

  it("explains a missing file and bad JSON", () => {
    expect(() => loadScenario("/nonexistent/s.json")).toThrow(
      /can not read scenario \/nonexistent\/s\.json/,
    );
  });
});
