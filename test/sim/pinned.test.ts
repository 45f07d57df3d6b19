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

const pins: readonly (readonly [
  scenario: string,
  seed: number,
  blocks: number,
  eventLogSha256: string,
  appHash: string,
])[] = [
  [
    "baseline",
    1,
    200,
    "f5ff974af3a1a75a599dff16e5200c4265a8cdc7529a8994ff93334d74e782b6",
    "598204838bab316fcaab26c0ef296b9dccdff7ce3325c07b16480f964b3749c6",
  ],
  [
    "lazy_30",
    2,
    200,
    "e5f18be9956e9da0c7941c23da292fe3bd1e37e77dd713b0ac04048131bb0c4a",
    "4ed4292ca558d4220cc2fff11098161c8501c911ec0fbfcc04e20aad1bfac328",
  ],
  [
    "copycats",
    3,
    200,
    "f93362e0f7d71048a23acbe1d8736b2f98551412e2a321dacce5f0af97e45feb",
    "06977b61022a0fe68424e3fc99cc417ad0a6a6cd25202184608ebace43d02fc4",
  ],
  [
    "network_faults",
    4,
    200,
    "c3c6084e0711070212449f2b7417cd9012d9c1627a6710ee7efa851446ba7cd0",
    "7cb91123d0a6acc52961ce09142f33daf620b4c128b5c59fe2c557855586ee00",
  ],
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
