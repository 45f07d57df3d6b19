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
  ["baseline", 1, 200, "31197315a15dc8208aed01acd16fc50028210e4c060e34d8094f01629ce18fb7", "7fcb4e94876ed86cd303429794a9783b72d019b8dba1b80c4ee0ff6b1f4bf1dc"],
  ["lazy_30", 2, 200, "bef6d2aee342fb5a65a962ededf8fec6ac8bb66d17787dc261d769a4b69568eb", "eddd791d80a88b5b239e3a2a6965a35e589de2a530fbbe4e03f6d3ea94ef4b89"],
  ["copycats", 3, 200, "3ef9071c064d889328d6c2578cd8a3e3cdad076c2cedd1e84af35920e573b12e", "fc86551afb2915031583f621576473990dedbd466c50e2aef4b9578f597691c6"],
  ["network_faults", 4, 200, "08fb60ce8af549cb4115382f6cadd30a082a8bc2c733cc672419a96fc1c436d0", "e6e33ba5a33cc477997e9b9e9ac7eb89848912b9dd7ba4d57d3e76b682538c14"],
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
