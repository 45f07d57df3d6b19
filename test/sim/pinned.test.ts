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
  ["baseline", 1, 200, "0d29ef7209ff24a513eee055a7cadf4f99e64ef2886cbda6f21305b96599fe43", "55b8d882b40591e8c150b94490a363f372461f69d81663fb5e82023fea6d0b07"],
  ["lazy_30", 2, 200, "c4d65e5fc16802c563f63313736d5dacbd108a5e01ecc141ce080c9c6dc3c60d", "f413cdf8121507452a7bedf0b9610acc21080ea5864d9f78a5ae5e46f409654e"],
  ["copycats", 3, 200, "217439d5f5e5f23aeb4d183152365550be46afda6979ad7b9b79e281e266ef28", "c918691a81d00afb49a9a515b233b48e366e3b5f03c8d2c8ea5632fd655c0c4a"],
  ["network_faults", 4, 200, "983e8a843fcac28f4f66c8087635ab74d10416576d87d09dfb175c4cadb75fe1", "cb1f0851f54994039ca11ad46f989fca5677a378b743466a30dbed7f371fb5cf"],
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
