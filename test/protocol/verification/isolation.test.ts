/**
 * Tier 1 compares hashes within a (shard, GPU architecture, kernel version)
 * group and accepts a lone submission optimistically, so a miner must not be
 * able to choose its group: it submits under the architecture it registered,
 * a kernel version governance approved, and a lone submission is sampled for
 * tier-3 recomputation at isolation_audit_bps (docs/protocol.md, "Tier-1 groups").
 */
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  DisputeOutcome,
  ProposalStatus,
  SubmissionStatus,
} from "../../../src/gen/remes/v1/events_pb.ts";
import {
  GpuArch,
  Offence,
  ProposalContentSchema,
  Role,
  VoteOption,
} from "../../../src/gen/remes/v1/types_pb.ts";
import { labelAddress as addr } from "../../../src/protocol/address.ts";
import { command, type ProtocolCommand } from "../../../src/protocol/commands.ts";
import { roleKey } from "../../../src/protocol/state.ts";
import { GenesisStateSchema } from "../../../src/gen/remes/v1/genesis_pb.ts";
import { isProtocolError } from "../../../src/protocol/errors.ts";
import { initChain } from "../../../src/protocol/genesis.ts";
import type { State } from "../../../src/protocol/state.ts";
import {
  accepted,
  allEvents,
  eventsOf,
  genesis,
  given,
  hashOf,
  REMES,
  rejected,
  shortParams,
  submission,
  submitted,
} from "../given.ts";
import { validators } from "./world.ts";

const A = addr("remes1minerA");
const B = addr("remes1minerB");
const LONE = addr("remes1lone");
const GOV = addr("remes1gov");

/** submission() with the architecture and kernel version overridden. */
const declaring = (
  cmd: ProtocolCommand,
  over: { gpuArch?: GpuArch; kernelVersion?: string },
): ProtocolCommand => {
  if (cmd.case !== "submitGradient") throw new Error("not a submission");
  return command("submitGradient", { ...cmd.value, ...over });
};

/** One shard; A and B registered AMPERE at genesis; window 0 open at height 1. */
const oneShard = (params = {}) => {
  const chain = given({
    validators,
    miners: { [A]: 2_000n, [B]: 2_000n },
    accounts: { [GOV]: 1_000n, [LONE]: 10_000n },
    params: { totalShards: 1, ...params },
  });
  chain.block();
  return chain;
};

describe("the architecture a miner submits under", () => {
  it("must be the one it registered", () => {
    // Given miner A registered as AMPERE.
    const chain = oneShard();
    // When it declares HOPPER, a group nobody else is in, it is refused.
    const e = rejected(
      chain,
      declaring(submission(chain, A, hashOf("x")), { gpuArch: GpuArch.HOPPER }),
      "invalidMessage",
    );
    expect(e.message).toMatch(/registered/);
    // And under its own architecture it is accepted.
    submitted(chain, submission(chain, A, hashOf("x")));
  });
});

describe("kernel versions", () => {
  it("a submission declaring a kernel version governance has not approved is refused", () => {
    const chain = oneShard();
    const e = rejected(
      chain,
      declaring(submission(chain, A, hashOf("x")), { kernelVersion: "bitnet-cpu/1+mine" }),
      "invalidMessage",
    );
    expect(e.message).toMatch(/approved/);
  });

  it("a passed proposal approves a version (then accepted) and another withdraws it; the set is bounded", () => {
    const chain = oneShard({ votingBlocksParameterChange: 3, maxKernelVersions: 3 });
    const propose = (kernelVersion: string, approved: boolean) =>
      command("submitProposal", {
        proposer: GOV,
        deposit: 500n * REMES,
        content: create(ProposalContentSchema, {
          title: `kernel ${kernelVersion}`,
          kind: { case: "kernelVersionApproval", value: { kernelVersion, approved } },
        }),
      });
    // Given the genesis defaults (two versions) and a bound of three.
    expect([...chain.state.kernelVersions].sort()).toEqual(["bitnet-cpu/1", "sim/1"]);
    // When governance approves bitnet-cpu/2.
    accepted(chain, propose("bitnet-cpu/2", true));
    accepted(
      chain,
      ...Object.keys(validators).map((voter) =>
        command("vote", { voter, proposalId: 0, option: VoteOption.YES }),
      ),
    );
    chain.advanceTo(chain.height + 3);
    expect(eventsOf(allEvents(chain), "proposalTallied")[0]!.status).toBe(ProposalStatus.PASSED);
    expect(eventsOf(allEvents(chain), "kernelVersionApproved")).toEqual([
      expect.objectContaining({ kernelVersion: "bitnet-cpu/2", approved: true }),
    ]);
    // Then a submission may declare it.
    submitted(
      chain,
      declaring(submission(chain, A, hashOf("x")), { kernelVersion: "bitnet-cpu/2" }),
    );
    // And the set is full: a fourth is refused at submission, approving twice or withdrawing an unknown one too.
    rejected(chain, propose("bitnet-cpu/3", true), "invalidMessage");
    rejected(chain, propose("bitnet-cpu/2", true), "alreadyExists");
    rejected(chain, propose("bitnet-cpu/9", false), "notFound");
    // When governance withdraws it, it is refused again.
    accepted(chain, propose("bitnet-cpu/2", false));
    accepted(
      chain,
      ...Object.keys(validators).map((voter) =>
        command("vote", { voter, proposalId: 1, option: VoteOption.YES }),
      ),
    );
    chain.advanceTo(chain.height + 3);
    expect(chain.state.kernelVersions.has("bitnet-cpu/2")).toBe(false);
    chain.advanceTo(chain.state.nextWindowStart);
    rejected(
      chain,
      declaring(submission(chain, B, hashOf("y")), { kernelVersion: "bitnet-cpu/2" }),
      "invalidMessage",
    );
  });

  it("the genesis defaults hold every version the runtimes submit; genesis may list its own, within the bound", async () => {
    const { SimulatedBackend } = await import("../../../src/actors/backend.ts");
    const { KERNEL_VERSION } = await import("../../../src/kernels/backend.ts");
    const sim = new SimulatedBackend({ seed: hashOf("s"), sizeBytes: 1_000n, chunkBytes: 64 })
      .kernelVersion;
    const chain = given({ miners: { [A]: 2_000n } });
    for (const v of [sim, KERNEL_VERSION]) expect(chain.state.kernelVersions.has(v)).toBe(true);
    const g = genesis({ miners: { [A]: 2_000n } });
    expect([
      ...(initChain(create(GenesisStateSchema, { ...g, kernelVersions: ["k/2"] })) as State)
        .kernelVersions,
    ]).toEqual(["k/2"]);
    const tooMany = initChain(
      create(GenesisStateSchema, {
        ...g,
        params: shortParams({ maxKernelVersions: 2 }),
        kernelVersions: ["k/1", "k/2", "k/3"],
      }),
    );
    expect(isProtocolError(tooMany) && tooMany.name).toBe("invalidMessage");
    expect(
      isProtocolError(
        initChain(create(GenesisStateSchema, { ...g, kernelVersions: ["k/1", "k/1"] })),
      ),
    ).toBe(true);
  });
});

/**
 * Window 1 of one shard: A and B (AMPERE) agree; LONE registered HOPPER after
 * window 0 opened, so in window 1 it is alone in its tier-1 group.
 */
const aLoneHopper = (loneHash: Uint8Array, isolationAuditBps: number) => {
  const chain = oneShard({ isolationAuditBps, tier3DeadlineBlocks: 5 });
  accepted(
    chain,
    command("registerMiner", { miner: LONE, stake: 2_000n * REMES, gpuArch: GpuArch.HOPPER }),
  );
  chain.advanceTo(chain.state.nextWindowStart);
  const right = hashOf("gradient/1/0");
  submitted(
    chain,
    submission(chain, A, right),
    submission(chain, B, right),
    declaring(submission(chain, LONE, loneHash), { gpuArch: GpuArch.HOPPER }),
  );
  const w = chain.state.windows.get(1)!;
  chain.advanceTo(w.closeHeight);
  const lone = [...chain.state.submissions.values()].find((s) => s.miner === LONE)!;
  return { chain, lone, right };
};

/** Every panel member recomputes honestly: the HOPPER gradient of shard 0 in window 1 is `truth`. */
const panelRecomputes = (
  chain: ReturnType<typeof oneShard>,
  disputeId: number,
  truth: Uint8Array,
  claimed: Uint8Array,
) => {
  const d = chain.state.disputes.get(disputeId)!;
  const valid = Buffer.compare(Buffer.from(truth), Buffer.from(claimed)) === 0;
  return accepted(
    chain,
    ...d.panel.map((validator) =>
      command("submitArbitrationVerdict", { validator, disputeId, valid, recomputedHash: truth }),
    ),
  );
};

describe("a lone submission", () => {
  it("is sent to tier-3 recomputation when drawn: a lazy one is rejected and slashed", () => {
    // Given a lone HOPPER miner that trained nothing, audited at every draw.
    const TRUTH = hashOf("gradient/1/0/hopper");
    const { chain, lone } = aLoneHopper(hashOf("noise"), 10_000);
    expect(lone.status).toBe(SubmissionStatus.OPTIMISTIC);
    // When the window closes, the protocol opens a tier-3 dispute on it (no bond, no challenger).
    const opened = eventsOf(allEvents(chain), "disputeOpened");
    expect(opened).toEqual([
      expect.objectContaining({ subjectId: BigInt(lone.id), challenger: "", bond: 0n, tier: 3 }),
    ]);
    expect(opened[0]!.panel.length).toBe(3);
    const stake = chain.state.roles.get(roleKey(Role.MINER, LONE))!.stake;
    // Then an honest panel's recomputed hash differs: rejected, slashed slash_lazy_mining_bps, unpaid.
    const events = panelRecomputes(chain, Number(opened[0]!.disputeId), TRUTH, lone.gradientHash);
    expect(eventsOf(events, "disputeResolved")).toEqual([
      expect.objectContaining({ outcome: DisputeOutcome.REJECTED }),
    ]);
    expect(eventsOf(events, "slashed")).toEqual([
      expect.objectContaining({ address: LONE, offence: Offence.LAZY_MINING }),
    ]);
    expect(chain.state.roles.get(roleKey(Role.MINER, LONE))!.stake).toBe(
      stake - (stake * BigInt(chain.state.params.slashLazyMiningBps)) / 10_000n,
    );
    expect(chain.state.submissions.get(lone.id)!.status).toBe(SubmissionStatus.REJECTED);
  });

  it("an honest lone miner passes the audit: the recomputed hash equals its own", () => {
    const TRUTH = hashOf("gradient/1/0/hopper");
    const { chain, lone } = aLoneHopper(TRUTH, 10_000);
    const [d] = eventsOf(allEvents(chain), "disputeOpened");
    const events = panelRecomputes(chain, Number(d!.disputeId), TRUTH, lone.gradientHash);
    expect(eventsOf(events, "disputeResolved")).toEqual([
      expect.objectContaining({ outcome: DisputeOutcome.UPHELD }),
    ]);
    expect(eventsOf(allEvents(chain), "slashed")).toEqual([]);
    expect(chain.state.submissions.get(lone.id)!.status).not.toBe(SubmissionStatus.REJECTED);
  });

  it("is audited at about isolation_audit_bps, drawn from the block context; rate 0 is refused", () => {
    expect(() => aLoneHopper(hashOf("noise"), 0)).toThrow(/isolation_audit_bps must not be 0/);
    // The draw is per (block hash, submission): replaying the same chain draws the same.
    const a = aLoneHopper(hashOf("noise"), 5_000).chain;
    const b = aLoneHopper(hashOf("noise"), 5_000).chain;
    expect(eventsOf(allEvents(a), "disputeOpened")).toEqual(
      eventsOf(allEvents(b), "disputeOpened"),
    );
  });
});
