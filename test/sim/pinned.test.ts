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
  ["baseline", 1, 200, "8c9effccdb1a992f89ec4aa5051c06576aa90b88d2678fe52fc360ad90ce90f8", "e4c555146e5697c02fa8e7472421bb48acd353f8ec8ab796fcb382e8dc4e50c0"],
  ["lazy_30", 2, 200, "e07abb49e103718fe4a2727c44b97c1c3daba7fb1a663994ebfa337c230f908b", "56049a68f08dc407f7a2aee832e521653403bc0c31aad431322d57e278a72bb4"],
  ["copycats", 3, 200, "c3abbf443b10e12c0022f28c9268b418f246330bc75a6806a266a248784620a7", "145ab141619615704a7518868ea6af3ddf3d9532c6118d3d887f29b34e2dde99"],
  ["network_faults", 4, 200, "ac5743ce43b4bd6730c01d0937c19e63b7b148522768fa8267e0610d61d23334", "1d69f4c619f0c8becc32deb4f0a19dc92b079bd44aab089c6baf09b26062953a"],
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
