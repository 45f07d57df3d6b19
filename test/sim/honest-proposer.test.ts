/**
 * An honest proposer is never slashed for work it could not do. With the
 * testnet's parameters (2 shards, half of them traps, a 4-block commit
 * deadline) most windows' submissions are still under a tier-3 audit when
 * the commit deadline passes; the proposer leaves them out (a submission
 * rejected between commit and reveal would make its reveal fail), so it has
 * nothing to commit. Such a round ends NOTHING_SETTLED, unpaid and unslashed;
 * a round with settled work it misses is still slashed (aggregation.test.ts).
 */
import { describe, expect, it } from "vitest";
import { AggregationFault } from "../../src/gen/remes/v1/events_pb.ts";
import type { ProtocolEvent } from "../../src/protocol/events.ts";
import { runScenario } from "../../src/sim/run.ts";
import { parseScenario } from "../../src/sim/scenario.ts";
import { testnetParams } from "../../src/testnet/up.ts";

const scenario = parseScenario(
  {
    name: "testnet_params",
    description: "The testnet's parameters and actors: 3 honest miners, 4 validators, 1 proposer",
    blocks: 300,
    seed: 1,
    params: testnetParams(),
    backend: { trainMs: { AMPERE: 500 } },
    actors: [
      { kind: "honest_miner", count: 3, gpuArch: ["AMPERE"] },
      { kind: "honest_validator", count: 4 },
      { kind: "honest_proposer", count: 1, method: "mean" },
    ],
  },
  "testnet_params",
);

describe("an honest proposer with the testnet's parameters", () => {
  for (const seed of [1, 2, 3]) {
    it(`is never slashed and finalizes the windows it can (seed ${seed})`, async () => {
      const events: ProtocolEvent[] = [];
      const r = await runScenario(scenario, {
        seed,
        sink: { start() {}, end() {}, block: (b) => void events.push(...b.events) },
      });
      expect(r.violation).toBeUndefined();
      const proposer = r.actors.find((a) => a.kind === "honest_proposer")!;
      expect(events.filter((e) => e.case === "slashed")).toEqual([]);
      expect(proposer.slashedUremes).toBe(0n);
      const faults = events.flatMap((e) =>
        e.case === "aggregationFaulted" ? [e.value.fault] : [],
      );
      expect(faults.every((f) => f === AggregationFault.NOTHING_SETTLED)).toBe(true);
      const finalized = events.filter((e) => e.case === "aggregationFinalized").length;
      expect(finalized).toBeGreaterThanOrEqual(8);
      expect(proposer.rewardsUremes).toBeGreaterThan(0n);
    });
  }
});
