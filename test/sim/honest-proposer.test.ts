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
import { resolve } from "node:path";
import { AggregationFault, DisputeSubject } from "../../src/gen/remes/v1/events_pb.ts";
import type { ProtocolEvent } from "../../src/protocol/events.ts";
import { runScenario } from "../../src/sim/run.ts";
import { loadScenario, parseScenario } from "../../src/sim/scenario.ts";
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

/**
 * Lazy miners beside honest ones while tier 3 takes time (as a live
 * validator's recomputation does: it trains the task again). Tier 1 sends a
 * lazy miner and its honest partner to tier 3; a proposer that committed to
 * the disputed pair put work later found wrong into the window's aggregate
 * (revealed before the verdict, it was finalized with it), or, revealing after
 * the verdict, had the whole round voided (REJECTED_AFTER_COMMIT). The honest
 * proposer leaves disputed work out until it is decided: no aggregate holds a
 * rejected submission, no round is voided, and it is never slashed.
 */
describe("an honest proposer against lazy miners while tier 3 takes time", () => {
  const slowPanels = parseScenario(
    {
      name: "slow_panels",
      description: "lazy miners beside honest ones; tier-3 panels take 4 blocks to recompute",
      blocks: 400,
      seed: 1,
      params: { ...testnetParams(), totalShards: 4, trapRateBps: 1 },
      backend: { trainMs: { AMPERE: 500 } },
      actors: [
        { kind: "honest_miner", count: 6, gpuArch: ["AMPERE"] },
        { kind: "lazy_miner", count: 2, skipBps: 10_000, fake: "partial", gpuArch: ["AMPERE"] },
        { kind: "honest_validator", count: 4, recomputeMs: 20_000 },
        { kind: "honest_proposer", count: 1, method: "median" },
      ],
    },
    "slow_panels",
  );
  for (const seed of [1, 2]) {
    it(`never aggregates disputed work, so no aggregate holds rejected work and no round is voided (seed ${seed})`, async () => {
      const events: ProtocolEvent[] = [];
      const r = await runScenario(slowPanels, {
        seed,
        sink: { start() {}, end() {}, block: (b) => void events.push(...b.events) },
      });
      expect(r.violation).toBeUndefined();
      const rejected = new Set(
        events.flatMap((e) => (e.case === "submissionRejected" ? [e.value.submissionId] : [])),
      );
      expect(rejected.size).toBeGreaterThanOrEqual(3); // the lazy miners were caught
      const included = events.flatMap((e) =>
        e.case === "aggregationRevealed" ? e.value.submissionIds : [],
      );
      expect(included.filter((id) => rejected.has(id))).toEqual([]);
      const faults = events.flatMap((e) =>
        e.case === "aggregationFaulted" ? [e.value.fault] : [],
      );
      expect(faults.filter((f) => f !== AggregationFault.NOTHING_SETTLED)).toEqual([]);
      const proposer = r.actors.find((a) => a.kind === "honest_proposer")!;
      expect(proposer.slashedUremes).toBe(0n);
      expect(events.filter((e) => e.case === "aggregationFinalized").length).toBeGreaterThanOrEqual(
        20,
      );
    });
  }
});

/**
 * The other side of leaving disputed work out: a challenge alone must not
 * make an honest proposer drop verified work, or honest validators find
 * verified work left out, challenge the aggregate, and the proposer loses the
 * dispute (seen with the self-challenge farmer's endless tier-2 challenges
 * when every disputed submission was left out).
 */
describe("an honest proposer beside a farmer that keeps verified work challenged", () => {
  it("keeps the challenged verified work in: no aggregate is disputed or faulted, no proposer slashed", async () => {
    const s = loadScenario(
      resolve(import.meta.dirname, "../../scenarios/attacks/self_challenge.json"),
    );
    const events: ProtocolEvent[] = [];
    const r = await runScenario(s, {
      seed: 1,
      blocks: s.shortBlocks!,
      sink: { start() {}, end() {}, block: (b) => void events.push(...b.events) },
    });
    expect(events.filter((e) => e.case === "aggregationFaulted")).toEqual([]);
    expect(
      events.filter(
        (e) => e.case === "disputeOpened" && e.value.subject === DisputeSubject.AGGREGATION,
      ),
    ).toEqual([]);
    for (const p of r.actors.filter((a) => a.kind === "honest_proposer"))
      expect(p.slashedUremes).toBe(0n);
    expect(events.filter((e) => e.case === "aggregationFinalized").length).toBeGreaterThan(3);
  });
});
