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
  ["baseline", 1, 200, "83b76af33b9529e29e2795aa47626aa1ebe3fd16a7d9abad30691ca74621c85b", "77e9b8eadb5d2aecf807eeb50e8eb777e3af13abb4cfc883f3cc113fa1ab99dc"],
  ["lazy_30", 2, 200, "f5ab2a691218fe456a0196912517f62b19f84c78ed51811c94661e97df979959", "204363269875ff03e44a7963f4f5c9dd5efac2bc3d3d2be9ebe3e9f2d77cf6ef"],
  ["copycats", 3, 200, "4943f171ccb3db644537dd9ba7a435b2bcbd97fdfd820d2d17e8a7970c633a73", "4712092b86d38f9cafc39342a7caae8ed4e4dc810c31e9c670602e44e39e3bc0"],
  ["network_faults", 4, 200, "403ab893511fbb81788f932a571f98f73ff8ea5ee00784ae95a9b0e6f2be9af6", "2a65713bd4b97a6cee0dfa7e9ef73456cfd6eb02e017d489a8e87535f3454939"],
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
