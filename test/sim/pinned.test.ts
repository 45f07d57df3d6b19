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
    "05661555f8ca1333a26ba75cbe7c33475dd93b2d3fbdec5c6df50ae3d5f686e5",
    "483e80c820f23ffd998c932708f5f4493441148223c07981a26469fd00674e82",
  ],
  [
    "lazy_30",
    2,
    200,
    "c238441a6cbac45aaba89929b5aabef098eaa0ff257ef3967a53c3630040287a",
    "a0e66b4d7be2c07c1c0d2a9f8305ff4e360323b1f586e772f8b497520e4ea41f",
  ],
  [
    "copycats",
    3,
    200,
    "40adc7b94cc7ef8d145d039c04f7eb52170bc95ddcced6e60be3f6f7e0c996fc",
    "86e53b6a6bd164f1a4526807e010e660152b6194460ec56be0be8e52535b35ca",
  ],
  [
    "network_faults",
    4,
    200,
    "183709f03d55d424faa8a687beac2965d536fd274ec5081cdbce70b35c1489ce",
    "a7d735f4aeb7670ae70291557e752be5f1e283dc873f096e82973d558175c7ff",
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
