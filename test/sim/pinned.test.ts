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
  ["baseline", 1, 200, "a009be6cb7bcf705b082dada9dc9fd4ef5851f3c3826b57412e9140fa8388c3e", "1091234ef7ce9a1ae582d9ceee1e221d814f3701c021fc67de52752f9bd04165"],
  ["lazy_30", 2, 200, "baf2e13f42c18553e24863e818de28ccd88469e00699418b50ec0808117d6959", "a02f0d4b59fae69f865ecd8186b4f6076fa5a31ce9c38719783ca17f89f33bcf"],
  ["copycats", 3, 200, "9dd2cf6f0e3fa833982b147a2cd18e2c7c669ec0564e684ad1625837b4e58c27", "e2d01ac1a13f447ce81cd564ee7402762196cbb69b99b4e9fb08806fa1e0961b"],
  ["network_faults", 4, 200, "abee9d59ad0435f4f4520e3badf3dcf634a2e63c763bc5d738bdc9e8c87cd7d6", "0a1780261df9d3eefb02b1c9e24174b0abcbf70280d75ea8f4e5e99034fd5466"],
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
