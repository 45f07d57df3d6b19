/**
 * Pinned event logs: the exact hashes of a few short runs, so a change meant
 * to be only faster (the engine, the actors, the protocol's hot path) shows
 * at once if it changed behaviour. A change that is meant to alter a run
 * updates the pin in the same commit and says why.
 */
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { runScenario } from "../../src/sim/run.ts";
import { loadScenario } from "../../src/sim/scenario.ts";

const dir = resolve(import.meta.dirname, "../../scenarios");

const pins: readonly (readonly [scenario: string, seed: number, blocks: number, eventLogSha256: string, appHash: string])[] = [
  ["baseline", 1, 200, "f5aab29750fe369d6dbbe3310b9cacf0457ebc14094c0179a9ef71678a9a0fdb", "797e9c03da07ca47233b06fd77d5c364237ac450ea735ee800f8e22cb9a79db5"],
  ["lazy_30", 2, 200, "7873e24c9ecf7b2db9ac0d72f124a4aa926dd7defe5b45a531cf073a3f3f25de", "3394fdd7cd6cfab666b6bfb0c1008590b0f6853a03b3bdfe47552d3f97efcdd8"],
  ["copycats", 3, 200, "7bb739d1de98f91dceff578bf12d8b76a6623bf3889484f8864baf8292d4dd74", "75a869ae2208edd18969f3372b8c31d20960e8776b5b1aa31f28318aa16a9bbc"],
  ["network_faults", 4, 200, "aed750f4162222be79a21cc6227fa472d55d8cd56c50e6dd2445ada06dbc6ff1", "171f527d3a2848353296afd9cd9e77d141512423f9bf492768b7ab01f578d55a"],
];

describe("pinned runs", () => {
  for (const [name, seed, blocks, log, app] of pins) {
    it(`${name} seed ${seed}, ${blocks} blocks: the same event log and app hash as pinned`, async () => {
      const r = await runScenario(loadScenario(resolve(dir, `${name}.json`)), { seed, blocks });
      expect(r.violation).toBeUndefined();
      expect([r.eventLogSha256, r.appHash]).toEqual([log, app]);
    });
  }
});
