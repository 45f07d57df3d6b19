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
    "97d107709f1df8549714f24dd595c9f7f1ae18fd08564b8fcb8eba989d010749",
    "b2d675180ad891466e93631ed8773bfa7a85ad607475727df7ae247d790d1e45",
  ],
  [
    "lazy_30",
    2,
    200,
    "aa196ae1071ab968b786d5775606144041ac73037c0baf3b5a6740acdeaf9d7a",
    "48302f1b7222084f7909ccc73572fef6df45064ec057def23fe642b16115f6cf",
  ],
  [
    "copycats",
    3,
    200,
    "64333c583a754595f3633116c5ccd8ee7fac53e3da49c9036ea246e93b7f1e53",
    "5ed0149cd8b584735ad57134b2f1f85ebf43625f518db5b772a971d8020eb17a",
  ],
  [
    "network_faults",
    4,
    200,
    "a089cef3c878ca5b5482a6454d530a84ba32ea740b03798014e5e62f671cade4",
    "fbf6e51b89e2e811c0495ac5ebe170f1e1c2752bfa78cf2afc7004ec1eabe3e8",
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
