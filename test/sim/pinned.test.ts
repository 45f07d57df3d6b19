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
  ["baseline", 1, 200, "12b3a44140977a40bb5fe3508caaa5e2fad6ee2a379fd50fb73b15f1efed617f", "0da8aaf52ca20a7f297f220b04e3a5a6a87175f83dc6a5d0e02189ef66f30746"],
  ["lazy_30", 2, 200, "074f488edeacc4af391d2764db1d646bc233d95d720a7c2e2cdd1a9536a54600", "1696fb67611cf5986c39f3f519222aab87ce5311c6aaea84b3a34718adccf471"],
  ["copycats", 3, 200, "55a1871a54656b580f2a3b2d69de2bdf7b769bbacad5e205487404c8e35d4881", "fb00bed44ac3a2db6efa963be774c4d8edc37bbe2c9dd69f37b4d3db36ebf969"],
  ["network_faults", 4, 200, "5d31454d4e42f5ec97d972b4224133e3e0622ee69c063efaa5fe0a3eac49a7ed", "a56d5cc2fda0f8ab1bca7c8b1e14e5a4a368c4465b19606cfa2e764bed6a0e2d"],
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
