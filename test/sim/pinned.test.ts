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
    "f46b679227dcf235bd9a40489e8151a14fa5e5cdc68d38ffbbe4e197f8b23e5f",
    "e346fd7231e06e0dfe037292a3bdc9a01fe32f10eb562153349f0900d4bba261",
  ],
  [
    "lazy_30",
    2,
    200,
    "249f93ceef3ed83ed1695e329c8faaef8103203e7193f0c07276b6797c891652",
    "1ced14c243eb57c61954851e5c3f472c7c969c9a1503ea97c5ca6321504e27de",
  ],
  [
    "copycats",
    3,
    200,
    "6c312ad5e0469f60665444f5e17b3984401ec32057697307db8830f4c1ab48d3",
    "812b2f732e592907f4cc99c5c2e0367223b99350b631153b0d3a1913c49427d3",
  ],
  [
    "network_faults",
    4,
    200,
    "9eb924cab278d2632eeb656cac0e9014d09ef9629fb6222f7e0cb2d356c4e7a6",
    "e69e336cc3302e03241f6ea518ec37630ef018b93903425b3ce9c31f5de54c18",
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
