/**
 * The kernels backend following the chain (followChain, global-adapters.ts):
 * a window trains from the global adapters as they stood at its opening,
 * finalized aggregates join them bit for bit on every follower, a trap that
 * re-serves an old window's job replays that window's base, and the
 * held-out loss (micro-nats, off chain) falls when honest updates land.
 */
import { describe, expect, it } from "vitest";
import { GpuArch } from "../../src/gen/remes/v1/types_pb.ts";
import type { Task } from "../../src/actors/backend.ts";
import { KernelBackend } from "../../src/kernels/backend.ts";
import { toHex } from "../../src/kernels/bytes.ts";
import { adapterTensors, type Adapters } from "../../src/kernels/model.ts";
import { heldoutLossMicro } from "../../src/kernels/global-adapters.ts";

const seed = new TextEncoder().encode("global-adapters-test");
const follower = () =>
  new KernelBackend({ seed, totalShards: 2, daChunkBytes: 4096, followChain: true });
const task = (window: number, shard: number): Task => ({ window, shard, gpuArch: GpuArch.AMPERE });
const bytesOf = (a: Adapters): string =>
  toHex(
    new Uint8Array(
      adapterTensors(a).flatMap((t) => [...new Uint8Array(t.buffer, t.byteOffset, t.byteLength)]),
    ),
  );
/** The mean of two fixed-point updates, as a proposer's aggregate. */
const mean = (a: Int32Array, b: Int32Array): Int32Array =>
  Int32Array.from(a, (v, i) => Math.trunc((v + b[i]!) / 2));

/** Plays windows 0..n−1 with the lag of the chain: w−1's aggregate lands after w opened. */
const play = (b: KernelBackend, n: number): void => {
  const g = b.global!;
  let pending: Int32Array | undefined;
  for (let w = 0; w < n; w++) {
    g.open(w);
    if (pending) g.apply(pending);
    const [u0, u1] = [0, 1].map((s) => (b.train(task(w, s)) as { update: Int32Array }).update);
    pending = mean(u0!, u1!);
  }
  if (pending) g.apply(pending);
};

describe("KernelBackend following the chain's global adapters", () => {
  it("trains a window from the adapters at its opening, and refuses a window it never saw open", () => {
    const b = follower();
    const g = b.global!;
    expect(() => b.train(task(0, 0))).toThrow(/window 0 was not seen opening/);
    g.open(0);
    g.open(1);
    expect(bytesOf(g.baseOf(1)!)).toBe(bytesOf(g.initial)); // nothing finalized yet
    const u = (b.train(task(0, 0)) as { update: Int32Array }).update;
    g.apply(u);
    g.open(2);
    expect(bytesOf(g.baseOf(2)!)).not.toBe(bytesOf(g.initial));
    expect(bytesOf(g.baseOf(1)!)).toBe(bytesOf(g.initial)); // kept per window
    // Window 2's job starts from the new state: it differs from the seed-based backend's job.
    const seeded = new KernelBackend({ seed, totalShards: 2, daChunkBytes: 4096 });
    expect(toHex(b.train(task(2, 0)).gradientHash)).not.toBe(
      toHex(seeded.train(task(2, 0)).gradientHash),
    );
    // A zero aggregate changes nothing (bits and loss).
    const before = bytesOf(g.current);
    const loss = g.loss();
    g.apply(new Int32Array(u.length));
    expect(bytesOf(g.current)).toBe(before);
    expect(g.loss()).toBe(loss);
  });

  it("agrees bit for bit across followers, replays old windows' jobs as traps, and lowers the held-out loss", () => {
    const a = follower();
    const b = follower();
    play(a, 4);
    play(b, 4);
    expect(bytesOf(a.global!.current)).toBe(bytesOf(b.global!.current));
    expect(a.global!.loss()).toBe(b.global!.loss());
    // The held-out loss is the cached evaluation of the state, in micro-nats.
    expect(a.global!.initialLoss).toBe(heldoutLossMicro(a.backbone, a.global!.initial));
    expect(a.global!.loss()).toBe(heldoutLossMicro(a.backbone, a.global!.current));
    expect(Number(a.global!.loss())).toBeLessThan(0.85 * Number(a.global!.initialLoss));
    // A verified job of window 1 re-served as a trap in window 4, to a follower that never ran it.
    const original = a.train(task(1, 1)).gradientHash;
    const trap: Task = {
      window: 4,
      shard: 0,
      gpuArch: GpuArch.AMPERE,
      vault: { entryId: 9, gradientHash: original, window: 1, shard: 1 },
    };
    const fresh = follower();
    play(fresh, 4);
    expect(toHex(fresh.train(trap).gradientHash)).toBe(toHex(original));
  });
});
