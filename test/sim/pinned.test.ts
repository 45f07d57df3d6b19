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
  ["baseline", 1, 200, "d3f2be9cdc13440b38a4bf7f7aab59746bf7e360df165de65985431bbf9c35fe", "923822011e3df7804b2d06a1d8e1db5f6081936b371f8d7c564f2e035ff100f2"],
  ["lazy_30", 2, 200, "a46cd98e141fd3bf68e08771829605b78745c7e78fb5817073c4b975b06083e2", "55e869ad1366185e203a7f45695e2610ffac00c5cb43041574968e0b52d1c6db"],
  ["copycats", 3, 200, "235d681c3766d22a7fe67c456d6cd2ec53896deb3f6d941261384686bf667926", "1ec9202f3ae717eceaaaed129acf39f27c71a9876547ce0286f9005013bf56aa"],
  ["network_faults", 4, 200, "bf59b1e7ec1880a3df7274681317a3b5349f07820af5330a31db11f958e02c49", "c49aa8cdf4d3477d32bf576c57da564908c1f0614e51e4d4fc30b96b8d8bb804"],
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
