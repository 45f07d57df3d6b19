import { describe, expect, it } from "vitest";
import { Offence, GpuArch, Role } from "../../src/gen/remes/v1/types_pb.ts";
import { SubmissionStatus } from "../../src/gen/remes/v1/events_pb.ts";
import { command } from "../../src/protocol/commands.ts";
import { event } from "../../src/protocol/events.ts";
import { merkleProof, merkleRoot } from "../../src/protocol/merkle.ts";
import { ModuleAccount, roleKey } from "../../src/protocol/state.ts";
import {
  accepted,
  balance,
  cidOf,
  eventsOf,
  given,
  hashOf,
  REMES,
  rejected,
  shardOf,
  submitted,
} from "./given.ts";
import { labelAddress as addr } from "../../src/protocol/address.ts";

const miners = [addr("remes1miner0"), addr("remes1miner1")];
const WATCHER = addr("remes1watcher");
/** 3,000 bytes stored in 1,024-byte chunks: 1024, 1024, 952. */
const data = Uint8Array.from({ length: 3_000 }, (_, i) => (i * 7) % 251);
const chunks = [data.slice(0, 1024), data.slice(1024, 2048), data.slice(2048)];

/** Both miners commit at 2 and reveal at 11; the watcher challenges miner0's submission (id 0) at 12 (deadline 15). */
const challenged = () => {
  const chain = given({
    miners: Object.fromEntries(miners.map((m) => [m, 2_000n])),
    accounts: { [WATCHER]: 100n },
  });
  chain.block();
  const hash = hashOf("gradient");
  submitted(
    chain,
    ...miners.map((miner) =>
      command("submitGradient", {
        miner,
        window: 0,
        shard: shardOf(chain, miner),
        gradientCid: cidOf(hash),
        gradientHash: hash,
        daRoot: merkleRoot(chunks),
        sizeBytes: 3_000n,
        claimedLossMicro: 1_000n,
        gpuArch: GpuArch.AMPERE,
        kernelVersion: "bitnet-cpu/1",
      }),
    ),
  );
  // The bond: a quarter of the 200 REMES slash it can cause (da_challenge_bond_slash_bps).
  const events = accepted(
    chain,
    command("challengeAvailability", { challenger: WATCHER, submissionId: 0, bond: 50n * REMES }),
  );
  const c = eventsOf(events, "availabilityChallenged")[0]!;
  return { chain, c };
};

const prove = (
  challengeId: number,
  index: number,
  chunk = chunks[index]!,
  miner = addr("remes1miner0"),
) => {
  const p = merkleProof(chunks, index);
  return command("proveAvailability", {
    miner,
    challengeId,
    chunk,
    proof: { index: p.index, leafCount: p.leafCount, siblings: [...p.siblings] },
  });
};

describe("data availability", () => {
  it("a challenge escrows the bond and asks for one of the submission's chunks within da_response_blocks", () => {
    const { chain, c } = challenged();
    expect(c).toMatchObject({
      challengeId: 0n,
      submissionId: 0n,
      miner: addr("remes1miner0"),
      chunkCount: 3,
      deadline: 15n,
      challenger: WATCHER,
      bond: 50n * REMES,
    });
    expect(c.chunkIndex).toBeLessThan(3);
    expect(balance(chain, ModuleAccount.escrow)).toBe(50n * REMES);
    expect(balance(chain, WATCHER)).toBe(50n * REMES);
  });

  it("a valid proof of the challenged chunk resolves the challenge and pays the bond to the miner", () => {
    const { chain, c } = challenged();
    const before = balance(chain, addr("remes1miner0"));
    const events = accepted(chain, prove(0, c.chunkIndex));
    expect(eventsOf(events, "availabilityResolved")).toEqual([
      event("availabilityResolved", { challengeId: 0, proven: true }).value,
    ]);
    expect(balance(chain, addr("remes1miner0")) - before).toBe(50n * REMES);
    expect(balance(chain, ModuleAccount.escrow)).toBe(0n);
    expect(chain.state.availability.size).toBe(0);
  });

  it("a proof of another chunk, a tampered chunk, or from another miner is rejected", () => {
    const { chain, c } = challenged();
    rejected(chain, prove(0, (c.chunkIndex + 1) % 3), "invalidMessage");
    const tampered = chunks[c.chunkIndex]!.slice();
    tampered[0] = tampered[0]! ^ 1;
    rejected(chain, prove(0, c.chunkIndex, tampered), "mismatch");
    rejected(
      chain,
      prove(0, c.chunkIndex, chunks[c.chunkIndex], addr("remes1miner1")),
      "unauthorized",
    );
    rejected(chain, prove(0, c.chunkIndex), "wrongPhase", 16);
  });

  it("silence past the deadline slashes the miner slash_availability_bps with challenger_reward_bps to the challenger, refunds the bond and rejects the submission", () => {
    const { chain } = challenged();
    chain.advanceTo(15);
    expect(chain.state.availability.size).toBe(1);
    const r = chain.block(); // 16
    expect(eventsOf(r.events, "availabilityResolved")).toEqual([
      event("availabilityResolved", { challengeId: 0, proven: false }).value,
    ]);
    expect(eventsOf(r.events, "slashed")).toEqual([
      event("slashed", {
        address: addr("remes1miner0"),
        role: Role.MINER,
        offence: Offence.AVAILABILITY,
        offenceKey: `availability/0/${addr("remes1miner0")}`,
        amount: 200n * REMES,
        burned: 50n * REMES,
        toCommunity: 50n * REMES,
        beneficiary: WATCHER,
        toBeneficiary: 100n * REMES,
      }).value,
    ]);
    expect(balance(chain, WATCHER)).toBe(100n * REMES + 100n * REMES);
    expect(chain.state.roles.get(roleKey(Role.MINER, addr("remes1miner0")))!.stake).toBe(
      1_800n * REMES,
    );
    expect(chain.state.submissions.get(0)!.status).toBe(SubmissionStatus.REJECTED);
  });

  it("a bond below the slash-sized bond, a second open challenge, and a self-challenge are rejected", () => {
    const { chain } = challenged();
    rejected(
      chain,
      command("challengeAvailability", { challenger: WATCHER, submissionId: 1, bond: 2n * REMES }),
      "invalidMessage",
    );
    rejected(
      chain,
      command("challengeAvailability", { challenger: WATCHER, submissionId: 0, bond: 50n * REMES }),
      "duplicate",
    );
    rejected(
      chain,
      command("challengeAvailability", {
        challenger: addr("remes1miner1"),
        submissionId: 1,
        bond: 50n * REMES,
      }),
      "unauthorized",
    );
  });
});
