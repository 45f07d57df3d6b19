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
  ["baseline", 1, 200, "023681e7b881362adbb9c9aa866c6cd6cf2a29b7e59d7fe32be7e548cfc9bf30", "f0a217d3f0d902c4545e7e0a7dc94458cf688cf61061a9616f05df9dab1979e0"],
  ["lazy_30", 2, 200, "9eaf026599c54b57e3f42db50e03506b516c38c5a50e8294ae0509daaa19dd72", "4baf1973e16db69f7baa8dfd0378c81c3cb3e7d250a21c46e50fcab6dd1550c5"],
  ["copycats", 3, 200, "6b529706fbfab6f23daa10c05fcf778288cf368d2bbb88ae85c2a709d0db0418", "5effc548889c40750de1033f735297cee8d2d3c67bf770101ab782e1262106ee"],
  ["network_faults", 4, 200, "a719c743206e1b169a2212f81ca5a07c82407c3604ed1d8731a55596cb8be224", "114698ef9cd79d293643294b95b43ece583b72fe71ccf79746f8f224a56750f6"],
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
