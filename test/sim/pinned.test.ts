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
  ["baseline", 1, 200, "cf3aa5df8eb27abb5a4d66f877ff095c12c0c7359f2c0679a25bb235ba33aa86", "d079c33b8e028ea6555363634181c58433d5790ba7c0c06c0615f4d1c585cebe"],
  ["lazy_30", 2, 200, "b0e7bc08ffb107c604835f9051707e371dc6f7fb656e31a181cbb44a119399b4", "4ad5eb2a3989eb299aa6c5e075206b9fe003fb79533f979c100b6099246d6651"],
  ["copycats", 3, 200, "a16a6429b40a0cd1b1e5e057c661a57eb33efb00b6adba5e5bdf202e62b28c4c", "c017543c3a09eb9820e03eb296ba1a2fa9fb8dd897f027999b9586a67808937f"],
  ["network_faults", 4, 200, "3501603d09a299619172fe8058dfd2dd8984919f403450f9bd34288455bd5fcb", "6ad42131727dbee944edfb86cc220dd78ab420946d3447b6573b83d11f29cf55"],
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
