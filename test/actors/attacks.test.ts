/**
 * What the miner-side attackers see (src/actors/attacks/observe.ts): the trap
 * spotter's rule against every shape of task the feed can hand out, and the
 * isolator's declared kernel version.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GpuArch } from "../../src/gen/remes/v1/types_pb.ts";
import type { ActorIO } from "../../src/actors/actor.ts";
import type { Task } from "../../src/actors/backend.ts";
import { handedJob, spotsTrap, uniqueKernelVersion } from "../../src/actors/attacks/observe.ts";
import { honest, Miner } from "../../src/actors/miners.ts";
import { defaultParams } from "../../src/protocol/params.ts";

const miner = (address: string) =>
  new Miner(
    { address, kind: "trap_spotting_miner", group: "g", gpuArch: "AMPERE" },
    GpuArch.AMPERE,
    honest,
  );

/** Just enough of an ActorIO: the committed assignment of one window, and a backend's kernel version. */
const ioFor = (window: number, address: string, shard: number): ActorIO =>
  ({
    chain: {
      height: 0,
      timeMs: 0,
      state: { windows: new Map([[window, { assignment: new Map([[address, shard]]) }]]) },
    },
    world: { backend: { kernelVersion: "sim/1" } },
  }) as unknown as ActorIO;

describe("trap spotter's rule", () => {
  it("recognises every trap replaying another job, and never a regular task", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 1_023 }),
        fc.option(
          fc.record({
            entryId: fc.nat(),
            window: fc.nat({ max: 10_000 }),
            shard: fc.nat({ max: 1_023 }),
          }),
        ),
        (window, shard, vault) => {
          const m = miner("remes1spotter");
          const task: Task = vault
            ? {
                window,
                shard,
                gpuArch: GpuArch.AMPERE,
                vault: { ...vault, gradientHash: new Uint8Array(32) },
              }
            : { window, shard, gpuArch: GpuArch.AMPERE };
          const spotted = spotsTrap(m, task, ioFor(window, m.info.address, shard));
          // A trap replays a job of an earlier, settled window (or a genesis job, window 0 shard 0).
          const replaysAnother =
            vault !== null && (vault.window !== window || vault.shard !== shard);
          expect(spotted).toBe(replaysAnother);
          // What it was handed carries the job's coordinates, never the vault entry or its answer.
          expect(Object.keys(handedJob(task)).sort()).toEqual(["shard", "window"]);
        },
      ),
    );
  });

  it("says nothing for a window it has no shard in", () => {
    const m = miner("remes1spotter");
    expect(
      spotsTrap(
        m,
        {
          window: 5,
          shard: 1,
          gpuArch: GpuArch.AMPERE,
          vault: { entryId: 0, gradientHash: new Uint8Array(32), window: 0, shard: 0 },
        },
        ioFor(4, m.info.address, 1),
      ),
    ).toBe(false);
  });
});

describe("group isolator's kernel version", () => {
  it("is valid on chain and differs between miners", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.stringMatching(/^remes1[a-z0-9]{5,40}$/), {
          minLength: 2,
          maxLength: 20,
        }),
        (addresses) => {
          const versions = addresses.map((a) => uniqueKernelVersion(miner(a), ioFor(0, a, 0)));
          for (const v of versions) {
            expect(v.length).toBeGreaterThan(0);
            expect(v.length).toBeLessThanOrEqual(defaultParams().maxKernelVersionLength);
            expect(v).not.toBe("sim/1");
          }
          expect(new Set(versions).size).toBe(versions.length);
        },
      ),
    );
  });
});
