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
  ["baseline", 1, 200, "b5ff60bc51d71ae1ef42cb2e2a202784da17f2030740e454b02422ad9eacbc5f", "4d0a46d01e44ed324d99cbc9384f724815a885347030ce58d3eeea16cd4677a1"],
  ["lazy_30", 2, 200, "f68b540cbe186c8fc3078e5ddc6d45f070a86509a3f40961eefe664568915c63", "fb7a8dacaab2016a5f1027878f7fe0a28b6c4035cce3beadfdd2bd92c4b333cf"],
  ["copycats", 3, 200, "1f60d77e9bea89e11fb3c89ca5f8701c9a73216c4465f558ffda8449f19bc4e2", "ddbe22e2dced624a56a97b065330bc6b2901b7a1be8421a36d1ef5048765ae1a"],
  ["network_faults", 4, 200, "feef2661a8c5b491e253d1b0a7fc8636c9309ee38f9679eb2b0d4272a8beec97", "9617727d3a720e1c2fc5baaaffb4fca9ff7963b2cefdf6ce64bd14aefa76595b"],
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
