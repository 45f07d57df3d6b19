/**
 * KernelBackend as the actors' TrainingBackend: trap tasks reproduce the
 * genesis vault answers it computed, partial work is a different hash,
 * availability openings prove against the real file's DA root, and the
 * onnxruntime tier-2 loss agrees with the canonical one closely enough to
 * accept an honest claim and reject a wrong one.
 */
import { describe, expect, it } from "vitest";
import { GpuArch } from "../../src/gen/remes/v1/types_pb.ts";
import type { Task } from "../../src/actors/backend.ts";
import { decodeUpdate } from "../../src/kernels/adapter-file.ts";
import { fromFixedPoint, KernelBackend, toFixedPoint } from "../../src/kernels/backend.ts";
import { toHex } from "../../src/kernels/bytes.ts";
import { ORT_LOSS_TOLERANCE } from "../../src/kernels/ort.ts";
import { verifyMerkleProof } from "../../src/protocol/merkle.ts";
import { confirmsClaim } from "../../src/protocol/verification/tier2.ts";
import { makeBackend } from "../../src/actors/live/daemon.ts";
import {
  decodeGradientBlob,
  encodeGradientBlob,
  PublishingBackend,
} from "../../src/actors/live/world.ts";
import { rawCidOf } from "../../src/store/blob-store.ts";

const seed = new TextEncoder().encode("kernels-backend-test");
const make = () =>
  new KernelBackend({ seed, totalShards: 2, daChunkBytes: 4096, genesisVaultEntries: 2 });
const task: Task = { window: 3, shard: 1, gpuArch: GpuArch.AMPERE };

describe("KernelBackend", () => {
  it("serves trap tasks whose known answers are its own genesis vault jobs; reused entries re-run their real job", () => {
    const b = make();
    const vault0 = b.vaultHash(0);
    expect(toHex(vault0)).not.toBe(toHex(b.vaultHash(1)));
    // A fresh backend (another miner's machine) reproduces the answer from the trap task alone.
    const trap: Task = {
      window: 7,
      shard: 0,
      gpuArch: GpuArch.AMPERE,
      vault: { entryId: 0, gradientHash: vault0, window: 0, shard: 0 },
    };
    const other = make();
    expect(toHex(other.train(trap).gradientHash)).toBe(toHex(vault0));
    expect(other.verify(trap, vault0)).toBe(true);
    expect(toHex(other.train(trap, 2_500).gradientHash)).not.toBe(toHex(vault0));
    // Entry 5 is a verified real job (window 3, shard 1) served again as a trap.
    const reused: Task = {
      window: 9,
      shard: 0,
      gpuArch: GpuArch.AMPERE,
      vault: { entryId: 5, gradientHash: b.train(task).gradientHash, window: 3, shard: 1 },
    };
    expect(toHex(other.train(reused).gradientHash)).toBe(toHex(b.train(task).gradientHash));
    expect(() => b.vaultHash(2)).toThrow(/not one of this backend's 2 genesis vault jobs/);
  });

  it("does partial work as a real, different file with a worse true loss; publishes fixed-point updates", () => {
    const b = make();
    const full = b.train(task);
    const lazy = b.train(task, 2_500);
    expect(toHex(lazy.gradientHash)).not.toBe(toHex(full.gradientHash));
    expect(lazy.claimedLossMicro).toBeGreaterThan(full.claimedLossMicro);
    expect(b.verify(task, full.gradientHash)).toBe(true);
    expect(b.verify(task, lazy.gradientHash)).toBe(false);
    expect(full.update!.length).toBe(
      fromFixedPoint(b.backbone.config, full.update!).reduce((n, d) => n + d.length, 0),
    );
    const zero = b.publish(task, new Int32Array(full.update!.length));
    expect(
      decodeUpdate(b.backbone.config, zero.bytes!, zero.gradientHash).every((t) =>
        t.every((v) => v === 0),
      ),
    ).toBe(true);
    expect(toFixedPoint(fromFixedPoint(b.backbone.config, full.update!))).toEqual(full.update);
    expect(() => b.publish(task, new Int32Array(3))).toThrow(/has \d+ values, got 3/);
  });

  it("opens availability chunks of the real update file against its DA root", () => {
    const b = make();
    const r = b.train(task);
    const chunks = Math.ceil(Number(r.sizeBytes) / 4096);
    expect(chunks).toBeGreaterThan(1);
    for (let i = 0; i < chunks; i++) {
      const { chunk, proof } = b.daOpening(r.gradientHash, r.sizeBytes, 4096, i);
      expect(chunk).toEqual(r.bytes!.subarray(i * 4096, Math.min(r.bytes!.length, (i + 1) * 4096)));
      expect(verifyMerkleProof(r.daRoot, chunk, proof)).toBe(true);
    }
  });

  it("recomputes tier-2 losses on onnxruntime within ORT_LOSS_TOLERANCE: honest claims pass, wrong ones fail", () => {
    const b = make();
    try {
      const honest = b.train(task).claimedLossMicro;
      const lazy = b.train(task, 2_500).claimedLossMicro;
      for (const batch of [0, 5, 41_234]) {
        const exact = b.lossOn(task, batch);
        const fast = b.fastLossOn(task, batch);
        expect(Math.abs(Number(fast - exact)) / Number(exact)).toBeLessThan(ORT_LOSS_TOLERANCE);
        for (const computed of [exact, fast]) {
          expect(confirmsClaim(honest, computed, 2_000)).toBe(true);
          expect(confirmsClaim(lazy, computed, 2_000)).toBe(false);
          expect(confirmsClaim(honest / 2n, computed, 2_000)).toBe(false);
        }
      }
    } finally {
      b.close();
    }
  });

  it("is what a role daemon started with --backend kernels trains with; its blob carries the real hash and the update", () => {
    const worldSeed = new Uint8Array(32).fill(7);
    const params = { daChunkBytes: 4096, totalShards: 2 };
    const inner = makeBackend({ backend: "kernels", trainMs: 1500 }, worldSeed, params);
    expect(inner).toBeInstanceOf(KernelBackend);
    expect(makeBackend({ backend: "simulated", trainMs: 1500 }, worldSeed, params).name).toBe(
      "simulated",
    );
    const daemon = new PublishingBackend(inner);
    const r = daemon.train(task);
    const blob = decodeGradientBlob(
      encodeGradientBlob({
        window: task.window,
        gradientHash: r.gradientHash,
        sizeBytes: r.sizeBytes,
        update: r.update!,
      }),
    );
    expect(r.cid).toBe(rawCidOf(encodeGradientBlob(blob)));
    expect(blob.update).toEqual(r.update);
    // Another daemon (a validator) recomputes the same hash from the world seed alone.
    expect(
      makeBackend({ backend: "kernels", trainMs: 1500 }, worldSeed, params).verify(
        task,
        r.gradientHash,
      ),
    ).toBe(true);
    expect(daemon.fastLossOn).toBeTypeOf("function");
  });
});
