/**
 * Governance: text, parameter change, model upgrade, software upgrade,
 * dataset approval, kernel version approval and proposer authorization proposals, each with its
 * deposit and voting period (params). Voting power is bonded stake. At the
 * end of the period, with V = all votes and S = all bonded stake (Cosmos SDK
 * semantics, so the boundaries are exact):
 *   no quorum   when V / S  <  quorum   (40%: exactly 40% is a quorum)
 *   vetoed      when veto / V  >  veto  (33.4%: exactly 33.4% is no veto)
 *   passed      when yes / (V − abstain)  >  threshold (50%: a tie fails)
 * A deposit is refunded unless the proposal is vetoed or misses quorum.
 *
 * Finished proposals do not stay in state forever (issue 13, bounded state:
 * each costs only a deposit, so an attacker could grow the set without end).
 * The `proposalTallied` event is the lasting record (CometBFT's event index,
 * the simulator's event log); the state keeps a tallied proposal, for the
 * Proposals query, for tallied_proposal_retention_blocks (a param; default
 * 7 days, at most 30) after its voting ended, then a later tally prunes it — no event, no per-block step: the
 * tally that adds to the set removes what expired, through an index
 * (indexes.ts), so the set holds what ended in the last retention period.
 * Votes are dropped at the tally already. A vote on a pruned proposal is
 * refused as on any finished one ("voting has ended").
 */
import { ProposalStatus } from "../gen/remes/v1/events_pb.ts";
import { type ProposalContent, VoteOption } from "../gen/remes/v1/types_pb.ts";
import type { CommandOf } from "./commands.ts";
import type { BlockContext } from "./context.ts";
import { fail, isProtocolError, type ProtocolError } from "./errors.ts";
import { type Emit, event, type EventOf, type ProtocolEvent } from "./events.ts";
import {
  indexProposalFinished,
  indexProposalStatus,
  proposalsDue,
  takeFinishedProposals,
} from "./indexes.ts";
import { checkKernelVersionProposal } from "./kernel-versions.ts";
import { burn, checkAddress, checkFunds, credit, debit } from "./ledger.ts";
import { applyParamChanges } from "./params.ts";
import { totalBonded, votingPower } from "./staking.ts";
import { ModuleAccount, type Proposal, type State } from "./state.ts";
import { UPGRADE_NAME } from "./upgrades.ts";

/** Deposit and voting period by proposal kind. */
export const proposalTerms = (
  state: Readonly<State>,
  content: ProposalContent,
): { deposit: bigint; votingBlocks: number } | undefined => {
  const p = state.params;
  switch (content.kind.case) {
    case "text":
      return { deposit: p.depositText, votingBlocks: p.votingBlocksText };
    case "parameterChange":
    case "datasetApproval":
    case "kernelVersionApproval":
    case "proposerAuthorization":
      return { deposit: p.depositParameterChange, votingBlocks: p.votingBlocksParameterChange };
    case "modelUpgrade":
      return { deposit: p.depositModelUpgrade, votingBlocks: p.votingBlocksModelUpgrade };
    case "softwareUpgrade":
      return { deposit: p.depositSoftwareUpgrade, votingBlocks: p.votingBlocksSoftwareUpgrade };
    default:
      return undefined;
  }
};

/** Checks content against the current state; also used again when it executes. */
const checkContent = (
  state: Readonly<State>,
  c: ProposalContent,
  height: number,
): ProtocolError | undefined => {
  const k = c.kind;
  switch (k.case) {
    case "text":
      return undefined;
    case "parameterChange": {
      if (k.value.changes.length === 0)
        return fail("invalidMessage", "a parameter change proposal changes at least one parameter");
      const r = applyParamChanges(state.params, k.value.changes);
      return isProtocolError(r) ? r : undefined;
    }
    case "modelUpgrade": {
      const m = k.value.model;
      if (!m || m.modelHash.length !== 32)
        return fail("invalidMessage", "model upgrade needs a model with a 32-byte model_hash");
      if (m.version <= (state.model?.version ?? 0))
        return fail(
          "invalidMessage",
          `model version must exceed the current ${state.model?.version ?? 0}`,
        );
      return m.cid.length > state.params.maxCidLength
        ? fail("tooLarge", "model CID is too long")
        : undefined;
    }
    case "softwareUpgrade": {
      if (!UPGRADE_NAME.test(k.value.name))
        return fail(
          "invalidMessage",
          "upgrade name must be 1..64 letters, digits, '.', '_', '-' or '+'",
        );
      const done = state.upgradesDone.get(k.value.name);
      if (done !== undefined)
        return fail("alreadyExists", `upgrade ${k.value.name} already ran at height ${done}`);
      return k.value.height <= height
        ? fail("invalidMessage", `upgrade height must be in the future (now ${height})`)
        : undefined;
    }
    case "datasetApproval": {
      const d = k.value.dataset;
      if (!d || d.datasetId.length === 0 || d.datasetId.length > 64)
        return fail("invalidMessage", "dataset_id must be 1..64 characters");
      if (d.contentHash.length !== 32 || d.shards === 0)
        return fail(
          "invalidMessage",
          "a dataset needs a 32-byte content_hash and at least one shard",
        );
      return state.datasets.has(d.datasetId)
        ? fail("alreadyExists", `dataset ${d.datasetId} is already approved`)
        : undefined;
    }
    case "kernelVersionApproval":
      return checkKernelVersionProposal(state, k.value);
    case "proposerAuthorization":
      return checkAddress("proposer", k.value.address);
    default:
      return fail("invalidMessage", "proposal content has no kind");
  }
};

export const decideSubmitProposal = (
  state: Readonly<State>,
  m: CommandOf<"submitProposal">,
  ctx: BlockContext,
): ProtocolEvent[] | ProtocolError => {
  const bad = checkAddress("proposer", m.proposer);
  if (bad) return bad;
  const content = m.content;
  if (!content) return fail("invalidMessage", "proposal has no content");
  if (content.title.length === 0 || content.title.length > 140)
    return fail("invalidMessage", "title must be 1..140 characters");
  if (content.description.length > 10_000)
    return fail("tooLarge", "description is longer than 10000 characters");
  const terms = proposalTerms(state, content);
  if (!terms) return fail("invalidMessage", "proposal content has no kind");
  const invalid = checkContent(state, content, ctx.height);
  if (invalid) return invalid;
  if (m.deposit < terms.deposit)
    return fail(
      "insufficientFunds",
      `this kind of proposal needs a deposit of ${terms.deposit} uremes, got ${m.deposit}`,
    );
  const funds = checkFunds(state, m.proposer, m.deposit);
  if (funds) return funds;
  return [
    event("proposalSubmitted", {
      proposalId: state.counters.nextProposalId,
      proposer: m.proposer,
      content,
      deposit: m.deposit,
      votingEndHeight: ctx.height + terms.votingBlocks,
    }),
  ];
};

export const decideVote = (
  state: Readonly<State>,
  m: CommandOf<"vote">,
  ctx: BlockContext,
): ProtocolEvent[] | ProtocolError => {
  const p = state.proposals.get(Number(m.proposalId));
  // A proposal below the next id was submitted: absent, it was tallied and pruned.
  if (!p && m.proposalId >= 0 && m.proposalId < state.counters.nextProposalId)
    return fail("wrongPhase", `voting on proposal ${m.proposalId} has ended`);
  if (!p) return fail("notFound", `proposal ${m.proposalId} does not exist`);
  if (p.status !== ProposalStatus.VOTING || ctx.height > p.votingEndHeight)
    return fail("wrongPhase", `voting on proposal ${m.proposalId} has ended`);
  if (VoteOption[m.option] === undefined || m.option === VoteOption.UNSPECIFIED)
    return fail("invalidMessage", "option must be yes, abstain, no or no_with_veto");
  if (votingPower(state, m.voter) === 0n)
    return fail("unauthorized", `${m.voter} has no bonded stake and so no voting power`);
  return [event("voteCast", { proposalId: m.proposalId, voter: m.voter, option: m.option })];
};

export interface Tally {
  readonly yes: bigint;
  readonly no: bigint;
  readonly abstain: bigint;
  readonly noWithVeto: bigint;
  readonly totalStaked: bigint;
}

export const tally = (state: Readonly<State>, p: Proposal): Tally => {
  const sums = { yes: 0n, no: 0n, abstain: 0n, noWithVeto: 0n };
  for (const [voter, option] of p.votes) {
    const power = votingPower(state, voter);
    if (option === VoteOption.YES) sums.yes += power;
    else if (option === VoteOption.NO) sums.no += power;
    else if (option === VoteOption.ABSTAIN) sums.abstain += power;
    else if (option === VoteOption.NO_WITH_VETO) sums.noWithVeto += power;
  }
  return { ...sums, totalStaked: totalBonded(state) };
};

/** The outcome of a tally under quorum / veto / threshold in basis points. */
export const outcome = (
  t: Tally,
  quorumBps: number,
  vetoBps: number,
  thresholdBps: number,
): ProposalStatus => {
  const voted = t.yes + t.no + t.abstain + t.noWithVeto;
  if (t.totalStaked === 0n || voted * 10_000n < BigInt(quorumBps) * t.totalStaked)
    return ProposalStatus.NO_QUORUM;
  if (t.noWithVeto * 10_000n > BigInt(vetoBps) * voted) return ProposalStatus.VETOED;
  const decisive = voted - t.abstain;
  if (decisive > 0n && t.yes * 10_000n > BigInt(thresholdBps) * decisive)
    return ProposalStatus.PASSED;
  return ProposalStatus.REJECTED;
};

/** Events that carry out a passed proposal. */
const execute = (state: Readonly<State>, p: Proposal): ProtocolEvent[] => {
  const k = p.content.kind;
  switch (k.case) {
    case "parameterChange": {
      const next = applyParamChanges(state.params, k.value.changes);
      return isProtocolError(next) ? [] : [event("paramsChanged", { params: next })];
    }
    case "modelUpgrade":
      return [event("modelUpgraded", { model: k.value.model! })];
    case "softwareUpgrade":
      return [
        event("softwareUpgradeScheduled", {
          name: k.value.name,
          height: k.value.height,
          info: k.value.info,
        }),
      ];
    case "datasetApproval":
      return [event("datasetApproved", { dataset: k.value.dataset! })];
    case "kernelVersionApproval":
      return [
        event("kernelVersionApproved", {
          kernelVersion: k.value.kernelVersion,
          approved: k.value.approved,
        }),
      ];
    case "proposerAuthorization":
      return [
        event("proposerAuthorizationChanged", {
          address: k.value.address,
          authorized: k.value.authorized,
        }),
      ];
    default:
      return [];
  }
};

/**
 * End-block step: tally every proposal whose voting period ended, by id. It
 * visits only those (an index of voting proposals by end height): neither
 * finished proposals nor ones still voting cost a block anything.
 */
export const tallyProposals = (state: Readonly<State>, ctx: BlockContext, emit: Emit): void => {
  for (const p of proposalsDue(state.proposals, ctx.height)) {
    if (p.status !== ProposalStatus.VOTING || p.votingEndHeight > ctx.height) continue;
    const t = tally(state, p);
    let status = outcome(
      t,
      state.params.quorumBps,
      state.params.vetoBps,
      state.params.thresholdBps,
    );
    const effects = status === ProposalStatus.PASSED ? execute(state, p) : [];
    // A passed proposal whose content no longer applies (checked again now) fails.
    if (
      status === ProposalStatus.PASSED &&
      (checkContent(state, p.content, ctx.height - 1) ||
        (p.content.kind.case !== "text" && effects.length === 0))
    ) {
      status = ProposalStatus.FAILED;
    }
    const depositBurned = status === ProposalStatus.VETOED || status === ProposalStatus.NO_QUORUM;
    emit(event("proposalTallied", { proposalId: p.id, status, ...t, depositBurned }));
    if (status === ProposalStatus.PASSED) for (const e of effects) emit(e);
  }
};

// --- evolve ---

export const evolveProposalSubmitted = (state: State, e: EventOf<"proposalSubmitted">): void => {
  if (!e.content) return; // decide never emits one without content
  state.proposals.set(Number(e.proposalId), {
    id: Number(e.proposalId),
    proposer: e.proposer,
    content: e.content,
    deposit: e.deposit,
    votingEndHeight: Number(e.votingEndHeight),
    votes: new Map(),
    status: ProposalStatus.VOTING,
  });
  indexProposalStatus(state.proposals, Number(e.proposalId), true);
  debit(state, e.proposer, e.deposit);
  credit(state, ModuleAccount.govDeposits, e.deposit);
  state.counters.nextProposalId = Math.max(state.counters.nextProposalId, Number(e.proposalId) + 1);
};

export const evolveVoteCast = (state: State, e: EventOf<"voteCast">): void => {
  state.proposals.get(Number(e.proposalId))?.votes.set(e.voter, e.option);
};

export const evolveProposalTallied = (state: State, e: EventOf<"proposalTallied">): void => {
  const p = state.proposals.get(Number(e.proposalId));
  if (!p) return;
  p.status = e.status;
  indexProposalStatus(state.proposals, Number(e.proposalId), e.status === ProposalStatus.VOTING);
  if (e.depositBurned) burn(state, ModuleAccount.govDeposits, p.deposit);
  else {
    debit(state, ModuleAccount.govDeposits, p.deposit);
    credit(state, p.proposer, p.deposit);
  }
  // Votes are only needed for the tally; the proposal itself stays queryable for the retention period.
  p.votes.clear();
  indexProposalFinished(state.proposals, p);
  for (const id of takeFinishedProposals(
    state.proposals,
    state.height - state.params.talliedProposalRetentionBlocks,
  ))
    state.proposals.delete(id);
};

export const evolveParamsChanged = (state: State, e: EventOf<"paramsChanged">): void => {
  if (e.params) state.params = e.params;
};

export const evolveModelUpgraded = (state: State, e: EventOf<"modelUpgraded">): void => {
  state.model = e.model;
};

export const evolveSoftwareUpgradeScheduled = (
  state: State,
  e: EventOf<"softwareUpgradeScheduled">,
): void => {
  state.softwareUpgrade = { name: e.name, height: Number(e.height), info: e.info };
};

export const evolveDatasetApproved = (state: State, e: EventOf<"datasetApproved">): void => {
  if (e.dataset) state.datasets.set(e.dataset.datasetId, e.dataset);
};
