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
    "7b6cc8121c89a98a181997c73c18708bd09b217ac6860e9441602bd46b2506db",
    "c4dbf866187483d88ce176eb048216183402df9293773caf47c7f1b2d7c2a899",
  ],
  [
    "lazy_30",
    2,
    200,
    "233cf0e9d089e7673760d632a8ee558488965e86d4826c829fe8b613e7fb9f19",
    "fd0d06319485417d37d172d9cb3c3556193c3cf6041b2c0a356702dc94ba2d04",
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
    "0f75b4dc3e4496866cf269905c37ed675cd14c3844479b74075be834290ccd63",
    "54a7bcf36baee9519af9c5ef4a812d1598010677b2e6bdafead1081c53a188a7",
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
