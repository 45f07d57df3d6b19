/**
 * End to end: six miners train for real (canonical kernels, their own CPU
 * each) through the real protocol on a MockChain; one is lazy (submits its
 * untouched base adapter, a real file, with a made-up loss). Tier 1 finds
 * its hash disagreeing with its shard peers', the protocol disputes it at
 * tier 3, and a panel that recomputes the training bit for bit and sends
 * the hash it got rejects it: caught by hash mismatch, not by luck.
 */
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { SubmissionStatus } from "../../src/gen/remes/v1/events_pb.ts";
import { GenesisStateSchema } from "../../src/gen/remes/v1/genesis_pb.ts";
import { ParamsSchema } from "../../src/gen/remes/v1/params_pb.ts";
import { GpuArch, Role } from "../../src/gen/remes/v1/types_pb.ts";
import { decodeUpdate } from "../../src/kernels/adapter-file.ts";
import type { Task } from "../../src/actors/backend.ts";
import { type BlobStore, KernelBackend } from "../../src/kernels/backend.ts";
import { command } from "../../src/protocol/commands.ts";
import { defaultParams, UREMES_PER_REMES as REMES } from "../../src/protocol/params.ts";
import { roleOf } from "../../src/protocol/staking.ts";
import { hex as toHex } from "../../src/protocol/state.ts";
import { MockChain } from "../../src/protocol/testing/chain.ts";
import { submitted } from "../protocol/given.ts";
import { labelAddress as addr } from "../../src/protocol/address.ts";

const validators = [addr("remes1val0"), addr("remes1val1"), addr("remes1val2"), addr("remes1val3")];
const miners = Array.from({ length: 6 }, (_, i) => addr(`remes1miner${i}`));
const lazy = miners[4]!;
const seed = new TextEncoder().encode("kernels-e2e");

const chainOf = () =>
  new MockChain(
    create(GenesisStateSchema, {
      params: create(ParamsSchema, {
        ...defaultParams(),
        windowBlocks: 10,
        totalShards: 2,
        challengeWindowBlocks: 3,
        tier2VotingBlocks: 2,
        tier3DeadlineBlocks: 5,
        aggregationCommitBlocks: 3,
        aggregationRevealBlocks: 3,
        aggregationChallengeBlocks: 3,
        daSampleRateBps: 1,
        lossToleranceBps: 2_500, // batch-to-batch spread of a 256-prediction batch (backend.ts)
      }),
      accounts: [...validators, ...miners].map((address) => ({
        address,
        balance: 100_000n * REMES,
      })),
      roles: [
        ...validators.map((address, i) => ({
          address,
          role: Role.VALIDATOR,
          stake: BigInt(40_000 - i * 5_000) * REMES,
          pubkey: new Uint8Array(32).fill(i + 1),
        })),
        ...miners.map((address) => ({
          address,
          role: Role.MINER,
          stake: 2_000n * REMES,
          gpuArch: GpuArch.AMPERE,
        })),
      ],
    }),
    "kernels-e2e",
  );

describe("real training through the protocol", () => {
  it("catches the lazy miner by hash mismatch and a tier-3 recomputation; honest miners agree bit for bit", () => {
    const chain = chainOf();
    const store: BlobStore = new Map(); // the content-addressed store everyone publishes to
    const backendOf = new Map(
      [...miners, ...validators].map((a) => [
        a,
        new KernelBackend({
          seed,
          totalShards: 2,
          daChunkBytes: chain.state.params.daChunkBytes,
          store,
        }),
      ]),
    );
    chain.block(); // opens window 0
    const w0 = chain.state.windows.get(0)!;
    const taskOf = (shard: number): Task => ({ window: 0, shard, gpuArch: GpuArch.AMPERE });

    const submissions = miners.map((miner) => {
      const shard = w0.assignment.get(miner)!;
      const r = backendOf.get(miner)!.train(taskOf(shard), miner === lazy ? 0 : undefined); // the lazy one does none of the steps
      return command("submitGradient", {
        miner,
        window: 0,
        shard,
        gradientCid: r.cid,
        gradientHash: r.gradientHash,
        daRoot: r.daRoot,
        sizeBytes: r.sizeBytes,
        claimedLossMicro: miner === lazy ? 1_500_000n : r.claimedLossMicro,
        gpuArch: GpuArch.AMPERE,
        kernelVersion: backendOf.get(miner)!.kernelVersion,
      });
    });
    expect(new Set(w0.assignment.values()).size).toBe(2); // 3 miners per shard
    submitted(chain, ...submissions); // committed in the window, revealed in its reveal period
    chain.advanceTo(w0.closeHeight);

    const subs = [...chain.state.submissions.values()].filter((s) => s.window === 0);
    const lazySub = subs.find((s) => s.miner === lazy)!;
    for (const s of subs)
      expect(s.status, s.miner).toBe(
        s.miner === lazy ? SubmissionStatus.MISMATCHED : SubmissionStatus.VERIFIED,
      );
    // The lazy file is real and intact: only its content is wrong.
    expect(
      decodeUpdate(
        backendOf.get(lazy)!.backbone.config,
        store.get(lazySub.gradientCid)!,
        lazySub.gradientHash,
      ).every((t) => t.every((v) => v === 0)),
    ).toBe(true);

    // The protocol's dispute over the mismatch opens at tier 3: a loss vote can not clear a hash.
    const [d3] = [...chain.state.disputes.values()];
    expect(d3?.subjectId).toBe(lazySub.id);
    expect(d3!.tier).toBe(3);
    const task = taskOf(lazySub.shard);

    // Tier 3: the panel recomputes the training on CPU and sends the hash it got; the chain compares.
    const verdicts = d3!.panel.map((validator) => ({
      validator,
      recomputedHash: backendOf.get(validator)!.train(task).gradientHash,
    }));
    for (const v of verdicts) expect(toHex(v.recomputedHash)).not.toBe(toHex(lazySub.gradientHash));
    // The same recomputation confirms every honest submission bit for bit.
    for (const s of subs.filter((x) => x.miner !== lazy))
      expect(backendOf.get(d3!.panel[0]!)!.verify(taskOf(s.shard), s.gradientHash)).toBe(true);
    chain.exec(
      ...verdicts.map(({ validator, recomputedHash }) =>
        command("submitArbitrationVerdict", {
          validator,
          disputeId: d3!.id,
          valid: false,
          recomputedHash,
        }),
      ),
    );
    chain.block();

    const events = chain.log.flat();
    expect(
      events.some(
        (e) =>
          e.case === "slashed" &&
          e.value.address === lazy &&
          e.value.offenceKey.startsWith("dispute/"),
      ),
    ).toBe(true);
    expect(
      events.some(
        (e) => e.case === "submissionRejected" && Number(e.value.submissionId) === lazySub.id,
      ),
    ).toBe(true);
    expect(roleOf(chain.state, Role.MINER, lazy)!.stake).toBe(1_000n * REMES);
    for (const m of miners.filter((x) => x !== lazy))
      expect(events.some((e) => e.case === "slashed" && e.value.address === m)).toBe(false);
    expect(chain.rejected).toEqual([]);
  }, 240_000); // ~15 s alone: eleven real trainings
});
