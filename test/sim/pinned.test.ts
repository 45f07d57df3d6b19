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
  ["baseline", 1, 200, "a67c054dbc33c24e0f7613594fe761e1d9b4be15edf953fdf97d8f90bd2b0a0f", "e6355f1f3b6dc82bfbb754d79cbc4cb299883fc2d5e64ba23669e53fbe103b8e"],
  ["lazy_30", 2, 200, "61c7c640a7c732def326505dd44fc9d8c2abc0f65212b5c939eb26334bba56a7", "d3b47cbd1fb341ef5e5f7ca4d9f108b9eaf550472577efce8635c4f757024b6c"],
  ["copycats", 3, 200, "e8912fd508e3cd6a8eb45ad511a4cc8c893120e2408d99c6f0c2bbf9276fcefe", "ef76f73df3bb0b90c385521679102c425e68a420796bf0705432abb360708d5d"],
  ["network_faults", 4, 200, "92c32d6e73c1a36476a97b4f81753aa9f1333a68e5a1f52006abfcad5eefb3fa", "6790a98590cbaa2f6b638a14d57b1c01c28ae7c22a0409c9461fcc0fe8622ac3"],
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
