import { describe, expect, it } from "vitest";
import {
  AggregationFault,
  RewardKind,
  SubmissionStatus,
} from "../../src/gen/remes/v1/events_pb.ts";
import { AggregationMethod, Offence, Role } from "../../src/gen/remes/v1/types_pb.ts";
import { aggregationCommitment, gradientRoot } from "../../src/protocol/aggregation.ts";
import { command } from "../../src/protocol/commands.ts";
import { event } from "../../src/protocol/events.ts";
import { ModuleAccount, roleKey } from "../../src/protocol/state.ts";
import {
  accepted,
  balance,
  cidOf,
  eventsOf,
  given,
  hashOf,
  MockChain,
  REMES,
  rejected,
  shardOf,
  submission,
  submitted,
} from "./given.ts";
import { labelAddress as addr } from "../../src/protocol/address.ts";

const PROPOSER = addr("remes1prop0");
const miners = [
  addr("remes1miner0"),
  addr("remes1miner1"),
  addr("remes1miner2"),
  addr("remes1miner3"),
];
const SALT = hashOf("agg-salt");

/** Window 0: honest commitments at 2, reveals at 11 (ids 0..3), closed at 12 (gradient_reveal_blocks 2): the only proposer is selected (commit by 15, reveal by 18). */
const closedWindow = (wrong?: string) => {
  const chain = given({
    validators: { [addr("remes1val0")]: 40_000n },
    proposers: { [PROPOSER]: 10_000n },
    miners: Object.fromEntries(miners.map((m) => [m, 2_000n])),
    accounts: { [addr("remes1watcher")]: 1_000n },
  });
  chain.block();
  submitted(
    chain,
    ...miners.map((m) =>
      submission(chain, m, hashOf(m === wrong ? "wrong" : `gradient/0/${shardOf(chain, m)}`), 0),
    ),
  );
  chain.advanceTo(12);
  return chain;
};

const aggregate = (chain: MockChain) => {
  const ids = [0, 1, 2, 3];
  const root = gradientRoot(ids.map((id) => chain.state.submissions.get(id)!.gradientHash));
  return { ids, root, cid: cidOf(hashOf("aggregate/0")) };
};

const commit = (cid: string, root: Uint8Array, salt = SALT) =>
  command("commitAggregation", {
    proposer: PROPOSER,
    window: 0,
    commitment: aggregationCommitment(0, cid, root, AggregationMethod.MEDIAN, salt),
  });
const reveal = (ids: number[], cid: string, root: Uint8Array, salt = SALT) =>
  command("submitAggregation", {
    proposer: PROPOSER,
    window: 0,
    aggregatedCid: cid,
    merkleRoot: root,
    submissionIds: ids,
    method: AggregationMethod.MEDIAN,
    salt,
  });

const proposerSlash = {
  address: PROPOSER,
  role: Role.PROPOSER,
  offence: Offence.PROPOSER_FAULT,
  offenceKey: `aggregation/0/${PROPOSER}`,
  amount: 2_000n * REMES,
  burned: 1_000n * REMES,
  toCommunity: 1_000n * REMES,
  beneficiary: "",
  toBeneficiary: 0n,
};
const proposerStake = (chain: MockChain) =>
  chain.state.roles.get(roleKey(Role.PROPOSER, PROPOSER))!.stake;

describe("aggregation", () => {
  it("the closing window selects the proposer with commit and reveal deadlines", () => {
    const chain = closedWindow();
    expect(eventsOf(chain.lastResult!.events, "aggregationProposerSelected")).toEqual([
      event("aggregationProposerSelected", {
        window: 0,
        proposer: PROPOSER,
        commitDeadline: 15,
        revealDeadline: 18,
      }).value,
    ]);
  });

  it("a correct reveal finalizes after the challenge deadline and the proposer is paid proposer_reward at settlement", () => {
    const chain = closedWindow();
    const a = aggregate(chain);
    accepted(chain, commit(a.cid, a.root)); // 13
    const revealed = accepted(chain, reveal(a.ids, a.cid, a.root)); // 14
    expect(eventsOf(revealed, "aggregationRevealed")).toEqual([
      event("aggregationRevealed", {
        aggregationId: 0,
        window: 0,
        proposer: PROPOSER,
        aggregatedCid: a.cid,
        merkleRoot: a.root,
        submissionIds: a.ids,
        method: AggregationMethod.MEDIAN,
        challengeDeadline: 17,
      }).value,
    ]);
    chain.advanceTo(16);
    expect(chain.state.windows.get(0)!.aggregation!.finalized).toBe(false);
    chain.block(); // 17
    expect(eventsOf(chain.lastResult!.events, "aggregationFinalized")).toEqual([
      event("aggregationFinalized", { aggregationId: 0, window: 0 }).value,
    ]);
    const before = balance(chain, PROPOSER);
    expect(chain.state.windows.get(0)!.settleHeight).toBe(37); // settleDelay leaves room for tier3_max_rounds panels
    chain.advanceTo(37);
    const rewards = eventsOf(chain.lastResult!.events, "rewardMinted");
    expect(rewards.filter((r) => r.kind === RewardKind.PROPOSER)).toEqual([
      event("rewardMinted", {
        to: PROPOSER,
        amount: 50n * REMES,
        kind: RewardKind.PROPOSER,
        window: 0,
      }).value,
    ]);
    expect(rewards.filter((r) => r.kind === RewardKind.MINER).map((r) => [r.to, r.amount])).toEqual(
      miners.map((m) => [m, 10n * REMES]),
    );
    expect(balance(chain, PROPOSER) - before).toBe(50n * REMES);
    expect(proposerStake(chain)).toBe(10_000n * REMES);
  });

  it("a reveal that does not open the commitment is penalized: AggregationFaulted REVEAL_MISMATCH and a slash_proposer_fault_bps slash, and no reward", () => {
    const chain = closedWindow();
    const a = aggregate(chain);
    accepted(chain, commit(a.cid, a.root));
    const burnedBefore = chain.state.supply.burned;
    const events = accepted(chain, reveal(a.ids, a.cid, a.root, hashOf("another salt")));
    expect(events.filter((e) => e.case === "aggregationFaulted" || e.case === "slashed")).toEqual([
      event("aggregationFaulted", {
        window: 0,
        proposer: PROPOSER,
        fault: AggregationFault.REVEAL_MISMATCH,
      }),
      event("slashed", proposerSlash),
    ]);
    expect(proposerStake(chain)).toBe(8_000n * REMES);
    expect(chain.state.supply.burned - burnedBefore).toBe(1_000n * REMES);
    expect(balance(chain, ModuleAccount.communityPool)).toBe(1_000n * REMES);
    rejected(chain, reveal(a.ids, a.cid, a.root), "wrongPhase"); // the round has failed
    const before = balance(chain, PROPOSER);
    chain.advanceTo(37);
    expect(
      eventsOf(chain.log.flat(), "rewardMinted").filter((r) => r.kind === RewardKind.PROPOSER),
    ).toEqual([]);
    expect(balance(chain, PROPOSER)).toBe(before);
  });

  it("a reveal whose Merkle root does not match the included gradients is penalized: BAD_MERKLE_ROOT and a slash", () => {
    const chain = closedWindow();
    const a = aggregate(chain);
    const bogus = hashOf("not the root");
    accepted(chain, commit(a.cid, bogus));
    const events = accepted(chain, reveal(a.ids, a.cid, bogus));
    expect(events.filter((e) => e.case === "aggregationFaulted" || e.case === "slashed")).toEqual([
      event("aggregationFaulted", {
        window: 0,
        proposer: PROPOSER,
        fault: AggregationFault.BAD_MERKLE_ROOT,
      }),
      event("slashed", proposerSlash),
    ]);
    expect(chain.state.windows.get(0)!.aggregation!.fault).toBe(AggregationFault.BAD_MERKLE_ROOT);
  });

  it("a proposer that misses the commit deadline is faulted MISSED_COMMIT", () => {
    const chain = closedWindow();
    chain.advanceTo(14);
    expect(chain.state.windows.get(0)!.aggregation!.fault).toBeUndefined();
    chain.block(); // 15
    expect(eventsOf(chain.lastResult!.events, "aggregationFaulted")).toEqual([
      event("aggregationFaulted", {
        window: 0,
        proposer: PROPOSER,
        fault: AggregationFault.MISSED_COMMIT,
      }).value,
    ]);
    expect(
      eventsOf(chain.lastResult!.events, "slashed").map((s) => [s.address, s.offence]),
    ).toEqual([[PROPOSER, Offence.PROPOSER_FAULT]]);
  });

  /** One validator, the proposer and four miners each submitting other work for window 0: tier 1 disputes all four. */
  const allDisputedWindow = () => {
    const chain = given({
      validators: { [addr("remes1val0")]: 40_000n },
      proposers: { [PROPOSER]: 10_000n },
      miners: Object.fromEntries(miners.map((m) => [m, 2_000n])),
    });
    chain.block();
    submitted(chain, ...miners.map((m) => submission(chain, m, hashOf(`gradient/0/${m}`), 0)));
    return chain;
  };

  it("a missed commit is no fault when every live submission was still under audit at the deadline: NOTHING_SETTLED, no slash", () => {
    // Every pair of miners disagrees, so tier 1 sends all four submissions to tier-3 panels that
    // decide after the commit deadline (17 > 15): an honest proposer had nothing it could aggregate
    // without risking a reveal of a submission rejected meanwhile (seen in the testnet: trap shards'
    // audits left whole windows unaggregatable, and their proposer was slashed for each).
    const chain = allDisputedWindow();
    chain.advanceTo(12);
    expect(eventsOf(chain.log.flat(), "disputeOpened").map((d) => Number(d.subjectId))).toEqual([
      2, 3, 0, 1,
    ]);
    const stake = proposerStake(chain);
    chain.advanceTo(15);
    expect(eventsOf(chain.lastResult!.events, "aggregationFaulted")).toEqual([
      event("aggregationFaulted", {
        window: 0,
        proposer: PROPOSER,
        fault: AggregationFault.NOTHING_SETTLED,
      }).value,
    ]);
    expect(eventsOf(chain.log.flat(), "slashed")).toEqual([]);
    expect(proposerStake(chain)).toBe(stake);
    expect(chain.state.windows.get(0)!.aggregation!.fault).toBe(AggregationFault.NOTHING_SETTLED);
  });

  it("a lazy proposer can not pass off settled work as unsettled: work decided two blocks before the deadline makes the miss MISSED_COMMIT, one block before NOTHING_SETTLED", () => {
    // The same all-disputed window; the panel upholds submission 0 at `decidedAt` (deadline 15).
    const missAfterVerdictAt = (decidedAt: number) => {
      const chain = allDisputedWindow();
      chain.advanceTo(decidedAt - 1);
      const d = [...chain.state.disputes.values()].find((x) => x.subjectId === 0)!;
      accepted(
        chain,
        command("submitArbitrationVerdict", {
          validator: d.panel[0]!,
          disputeId: d.id,
          valid: true,
          recomputedHash: chain.state.submissions.get(0)!.gradientHash,
        }),
      );
      expect(chain.state.disputes.has(d.id)).toBe(false);
      chain.advanceTo(15);
      return eventsOf(chain.log.flat(), "aggregationFaulted").map((e) => e.fault);
    };
    expect(missAfterVerdictAt(13)).toEqual([AggregationFault.MISSED_COMMIT]);
    expect(missAfterVerdictAt(14)).toEqual([AggregationFault.NOTHING_SETTLED]);
  });

  /** Submission 0 challenged at `at` with no tier-2 votes; the one-validator panel finds it wrong: rejected at `at` + 3. */
  const rejectSubmission0 = (chain: MockChain, at: number) => {
    chain.advanceTo(at - 1);
    accepted(
      chain,
      command("challengeGradient", {
        challenger: addr("remes1watcher"),
        submissionId: 0,
        bond: 100n * REMES,
      }),
    );
    chain.advanceTo(at + 2); // escalated to tier 3 at the end of at + 2
    const [member] = chain.state.disputes.get(0)!.panel;
    accepted(
      chain,
      command("submitArbitrationVerdict", {
        validator: member!,
        disputeId: 0,
        valid: false,
        recomputedHash: hashOf("another gradient"),
      }),
    );
    expect(chain.state.submissions.get(0)!.status).toBe(SubmissionStatus.REJECTED);
  };

  /** The reveal lands and ends the round REJECTED_AFTER_COMMIT: no other aggregation event, no slash, stake unchanged. */
  const revealVoidsRound = (chain: MockChain, a: ReturnType<typeof aggregate>) => {
    const stake = proposerStake(chain);
    const events = accepted(chain, reveal(a.ids, a.cid, a.root));
    expect(events.filter((e) => e.case.startsWith("aggregation") || e.case === "slashed")).toEqual([
      event("aggregationFaulted", {
        window: 0,
        proposer: PROPOSER,
        fault: AggregationFault.REJECTED_AFTER_COMMIT,
      }),
    ]);
    expect(proposerStake(chain)).toBe(stake);
  };

  it("a submission rejected after the commitment voids the round at the reveal: REJECTED_AFTER_COMMIT, unpaid, not slashed", () => {
    // The grief this guards: a miner whose work the proposer included has it challenged (its own
    // lazy work, by itself) after the commit, so the committed set holds a rejected submission and the
    // reveal used to be refused: the honest proposer missed its reveal and was slashed.
    const chain = closedWindow();
    const a = aggregate(chain);
    accepted(chain, commit(a.cid, a.root)); // 13
    rejectSubmission0(chain, 14); // rejected at 17
    revealVoidsRound(chain, a); // 18, the reveal deadline
    expect(chain.state.windows.get(0)!.aggregation!.fault).toBe(
      AggregationFault.REJECTED_AFTER_COMMIT,
    );
    chain.advanceTo(40);
    expect(eventsOf(chain.log.flat(), "aggregationFaulted")).toHaveLength(1);
    expect(
      eventsOf(chain.log.flat(), "rewardMinted").filter((r) => r.kind === RewardKind.PROPOSER),
    ).toEqual([]);
  });

  /** Tier 1 sent submission 0 and its shard partner to tier 3 at 12; the panels reject 0 and uphold the partner at 13. */
  const rejectedAt13 = () => {
    const chain = closedWindow(miners[0]);
    const verdicts = [...chain.state.disputes.values()].map((d) =>
      command("submitArbitrationVerdict", {
        validator: d.panel[0]!,
        disputeId: d.id,
        valid: d.subjectId !== 0,
        recomputedHash:
          d.subjectId === 0
            ? hashOf("the right gradient")
            : chain.state.submissions.get(d.subjectId)!.gradientHash,
      }),
    );
    accepted(chain, ...verdicts); // 13
    expect(chain.state.submissions.get(0)!.status).toBe(SubmissionStatus.REJECTED);
    return chain;
  };

  it("a submission rejected two blocks or more before the commitment can not be revealed: the reveal is refused and the round faults MISSED_REVEAL", () => {
    // Otherwise a proposer could void its round unslashed by committing to work it knew was rejected.
    const chain = rejectedAt13();
    const a = aggregate(chain);
    chain.block(); // 14
    accepted(chain, commit(a.cid, a.root)); // 15
    rejected(chain, reveal(a.ids, a.cid, a.root), "invalidMessage"); // 16
    chain.advanceTo(18);
    expect(eventsOf(chain.lastResult!.events, "aggregationFaulted")).toEqual([
      event("aggregationFaulted", {
        window: 0,
        proposer: PROPOSER,
        fault: AggregationFault.MISSED_REVEAL,
      }).value,
    ]);
    expect(
      eventsOf(chain.lastResult!.events, "slashed").map((e) => [e.address, e.offence]),
    ).toEqual([[PROPOSER, Offence.PROPOSER_FAULT]]);
  });

  it("a submission rejected in the block just before the commitment voids the round, unslashed: the proposer committed from a view one block old", () => {
    const chain = rejectedAt13();
    const a = aggregate(chain);
    expect(a.ids).toContain(0); // the rejected submission is in the committed set
    accepted(chain, commit(a.cid, a.root)); // 14
    revealVoidsRound(chain, a); // 15
  });

  it("a window without submissions selects no proposer, so no proposer is faulted for it", () => {
    const chain = closedWindow();
    chain.advanceTo(22); // window 1 (no submissions) closes
    expect(chain.state.windows.get(1)!.aggregation).toBeUndefined();
    chain.advanceTo(32);
    expect(eventsOf(chain.log.flat(), "aggregationProposerSelected").map((e) => e.window)).toEqual([
      0n,
    ]);
  });

  it("rejects a commit or reveal by anyone but the selected proposer, a reveal before the commit, and unordered submission ids", () => {
    const chain = closedWindow();
    const a = aggregate(chain);
    rejected(
      chain,
      command("commitAggregation", {
        proposer: addr("remes1watcher"),
        window: 0,
        commitment: hashOf("x"),
      }),
      "notSelected",
    );
    rejected(chain, reveal(a.ids, a.cid, a.root), "wrongPhase");
    accepted(chain, commit(a.cid, a.root));
    rejected(chain, commit(a.cid, a.root), "duplicate");
    rejected(chain, reveal([1, 0, 2, 3], a.cid, a.root), "invalidMessage");
    rejected(chain, reveal([0, 1, 2, 99], a.cid, a.root), "notFound");
    rejected(chain, reveal(a.ids, a.cid, a.root), "wrongPhase", 19);
  });
});
