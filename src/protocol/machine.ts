/**
 * The decider: `decide` validates a command against the state and returns
 * its events or a ProtocolError (never mutating); `evolve` applies one event
 * (total: it never throws); `applyBlock` runs a block the way both runtimes
 * do — BlockStarted, a due software upgrade (upgrades.ts), begin-block
 * steps, each transaction, end-block steps — and chains the app hash. Block steps read the state and emit events, each
 * evolved at once, so a step sees the effects of the ones before it.
 */
import { addressFieldsProblem } from "./address.ts";
import * as aggregation from "./aggregation.ts";
import {
  countAvailabilityBlock,
  decideChallengeAvailability,
  decideProveAvailability,
  evolveAvailabilityBlockCounted,
  evolveAvailabilityChallenged,
  evolveAvailabilityResolved,
  expireAvailability,
} from "./availability.ts";
import { blockEventsHash, chainAppHash } from "./apphash.ts";
import type { ProtocolCommand } from "./commands.ts";
import {
  evolveConsensusSetChanged,
  evolveValidatorJailed,
  updateConsensusSet,
} from "./consensus-set.ts";
import type { BlockContext } from "./context.ts";
import { fail, isProtocolError, type ProtocolError } from "./errors.ts";
import { type Emit, event, type ProtocolEvent } from "./events.ts";
import { idProblem } from "./ids.ts";
import { journaled } from "./journal.ts";
import * as gov from "./governance.ts";
import {
  decideCommitGradient,
  evolveGradientCommitted,
  evolveGradientCommitUnrevealed,
} from "./gradient-commits.ts";
import { evolveKernelVersionApproved } from "./kernel-versions.ts";
import { checkFunds, decideSend, evolveTransferred } from "./ledger.ts";
import { evolveRewardMinted } from "./rewards.ts";
import {
  evolveValidatorPayAccrued,
  rewardValidators,
  settleFeePay,
  settleMintedPay,
} from "./validator-rewards.ts";
import {
  evolveLivenessMissed,
  evolveLivenessWindowReset,
  evolveSlashed,
  punishValidators,
} from "./slashing.ts";
import * as staking from "./staking.ts";
import { ModuleAccount, type State } from "./state.ts";
import {
  decideSubmitGradient,
  evolveGradientSubmitted,
  evolveSubmissionRejected,
} from "./submissions.ts";
import * as traps from "./traps.ts";
import {
  evolveSoftwareUpgradeApplied,
  everyUpgrade,
  runUpgrade,
  UpgradeNeededError,
  upgradeNeeded,
  type UpgradeHandlers,
} from "./upgrades.ts";
import * as disputes from "./verification/disputes.ts";
import { evolveTier1Evaluated } from "./verification/tier1.ts";
import { decideChallengeGradient, decideVoteLossCheck } from "./verification/tier2.ts";
import { decideSubmitArbitrationVerdict } from "./verification/tier3.ts";
import {
  closeWindows,
  evolveWindowClosed,
  evolveWindowOpened,
  evolveWindowSettled,
  openWindow,
  settleWindows,
} from "./windows.ts";

export type Decision = ProtocolEvent[] | ProtocolError;

export const decide = (
  state: Readonly<State>,
  cmd: ProtocolCommand,
  ctx: BlockContext,
): Decision => {
  // Every address field first, whatever the command: funds sent to a string nobody can sign for are lost.
  const badAddress = addressFieldsProblem(cmd);
  if (badAddress !== undefined) return fail("invalidAddress", badAddress);
  // Ids are uint64 on the wire and numbers inside: one above 2^53 - 1 is refused, never rounded (ids.ts).
  const wide = idProblem(cmd);
  if (wide !== undefined) return fail("invalidMessage", wide);
  return decideValid(state, cmd, ctx);
};

const decideValid = (state: Readonly<State>, cmd: ProtocolCommand, ctx: BlockContext): Decision => {
  switch (cmd.case) {
    case "send":
      return decideSend(state, cmd.value);
    case "registerMiner":
      return staking.decideRegisterMiner(state, cmd.value);
    case "registerValidator":
      return staking.decideRegisterValidator(state, cmd.value);
    case "registerProposer":
      return staking.decideRegisterProposer(state, cmd.value);
    case "registerServingNode":
      return staking.decideRegisterServingNode(state, cmd.value);
    case "bond":
      return staking.decideBond(state, cmd.value);
    case "unbond":
      return staking.decideUnbond(state, cmd.value, ctx);
    case "submitGradient":
      return decideSubmitGradient(state, cmd.value, ctx);
    case "commitGradient":
      return decideCommitGradient(state, cmd.value, ctx);
    case "challengeGradient":
      return decideChallengeGradient(state, cmd.value, ctx);
    case "voteLossCheck":
      return decideVoteLossCheck(state, cmd.value, ctx);
    case "submitArbitrationVerdict":
      return decideSubmitArbitrationVerdict(state, cmd.value, ctx);
    case "commitTrapJobs":
      return traps.decideCommitTrapJobs(state, cmd.value);
    case "revealTrapJobs":
      return traps.decideRevealTrapJobs(state, cmd.value, ctx);
    case "commitAggregation":
      return aggregation.decideCommitAggregation(state, cmd.value, ctx);
    case "submitAggregation":
      return aggregation.decideSubmitAggregation(state, cmd.value, ctx);
    case "challengeAggregation":
      return aggregation.decideChallengeAggregation(state, cmd.value, ctx);
    case "submitProposal":
      return gov.decideSubmitProposal(state, cmd.value, ctx);
    case "vote":
      return gov.decideVote(state, cmd.value, ctx);
    case "challengeAvailability":
      return decideChallengeAvailability(state, cmd.value, ctx);
    case "proveAvailability":
      return decideProveAvailability(state, cmd.value, ctx);
    default:
      return unreachable(cmd);
  }
};

export const evolve = (state: State, e: ProtocolEvent): State => {
  switch (e.case) {
    case "blockStarted":
      state.height = Number(e.value.height);
      break;
    case "transferred":
      evolveTransferred(state, e.value);
      settleFeePay(state, e.value);
      break;
    case "roleRegistered":
      staking.evolveRoleRegistered(state, e.value);
      break;
    case "stakeBonded":
      staking.evolveStakeBonded(state, e.value);
      break;
    case "unbondingStarted":
      staking.evolveUnbondingStarted(state, e.value);
      break;
    case "unbondingCompleted":
      staking.evolveUnbondingCompleted(state, e.value);
      break;
    case "proposerAuthorizationChanged":
      staking.evolveProposerAuthorizationChanged(state, e.value);
      break;
    case "slashed":
      evolveSlashed(state, e.value);
      break;
    case "livenessMissed":
      evolveLivenessMissed(state, e.value);
      break;
    case "livenessWindowReset":
      evolveLivenessWindowReset(state, e.value);
      break;
    case "rewardMinted":
      evolveRewardMinted(state, e.value);
      settleMintedPay(state, e.value);
      break;
    case "windowOpened":
      evolveWindowOpened(state, e.value);
      break;
    case "gradientSubmitted":
      evolveGradientSubmitted(state, e.value);
      break;
    case "tier1Evaluated":
      evolveTier1Evaluated(state, e.value);
      break;
    case "windowClosed":
      evolveWindowClosed(state, e.value);
      break;
    case "windowSettled":
      evolveWindowSettled(state, e.value);
      break;
    case "submissionRejected":
      evolveSubmissionRejected(state, e.value);
      break;
    case "disputeOpened":
      disputes.evolveDisputeOpened(state, e.value);
      break;
    case "lossVoteCast":
      disputes.evolveLossVoteCast(state, e.value);
      break;
    case "disputeEscalated":
      disputes.evolveDisputeEscalated(state, e.value);
      break;
    case "arbitrationVerdictCast":
      disputes.evolveArbitrationVerdictCast(state, e.value);
      break;
    case "disputeResolved":
      traps.noteRecomputed(state, e.value);
      disputes.evolveDisputeResolved(state, e.value);
      break;
    case "panelRedrawn":
      disputes.evolvePanelRedrawn(state, e.value);
      break;
    case "verifierPaid":
      disputes.evolveVerifierPaid(state, e.value);
      break;
    case "trapCommitmentApproved":
      traps.evolveTrapCommitmentApproved(state, e.value);
      break;
    case "trapCommitmentAccepted":
      traps.evolveTrapCommitmentAccepted(state, e.value);
      break;
    case "trapRevealed":
      traps.evolveTrapRevealed(state, e.value);
      break;
    case "vaultEntryAdded":
      traps.evolveVaultEntryAdded(state, e.value);
      break;
    case "aggregationProposerSelected":
      aggregation.evolveAggregationProposerSelected(state, e.value);
      break;
    case "aggregationCommitted":
      aggregation.evolveAggregationCommitted(state, e.value);
      break;
    case "aggregationRevealed":
      aggregation.evolveAggregationRevealed(state, e.value);
      break;
    case "aggregationFaulted":
      aggregation.evolveAggregationFaulted(state, e.value);
      break;
    case "aggregationFinalized":
      aggregation.evolveAggregationFinalized(state, e.value);
      break;
    case "proposalSubmitted":
      gov.evolveProposalSubmitted(state, e.value);
      break;
    case "voteCast":
      gov.evolveVoteCast(state, e.value);
      break;
    case "proposalTallied":
      gov.evolveProposalTallied(state, e.value);
      break;
    case "paramsChanged":
      gov.evolveParamsChanged(state, e.value);
      break;
    case "modelUpgraded":
      gov.evolveModelUpgraded(state, e.value);
      break;
    case "softwareUpgradeScheduled":
      gov.evolveSoftwareUpgradeScheduled(state, e.value);
      break;
    case "datasetApproved":
      gov.evolveDatasetApproved(state, e.value);
      break;
    case "kernelVersionApproved":
      evolveKernelVersionApproved(state, e.value);
      break;
    case "availabilityChallenged":
      evolveAvailabilityChallenged(state, e.value);
      break;
    case "availabilityResolved":
      evolveAvailabilityResolved(state, e.value);
      break;
    case "availabilityBlockCounted":
      evolveAvailabilityBlockCounted(state, e.value);
      break;
    case "consensusSetChanged":
      evolveConsensusSetChanged(state, e.value);
      break;
    case "validatorJailed":
      evolveValidatorJailed(state, e.value);
      break;
    case "validatorPayAccrued":
      evolveValidatorPayAccrued(state, e.value);
      break;
    case "gradientCommitted":
      evolveGradientCommitted(state, e.value);
      break;
    case "gradientCommitUnrevealed":
      evolveGradientCommitUnrevealed(state, e.value);
      break;
    case "softwareUpgradeApplied":
      evolveSoftwareUpgradeApplied(state, e.value);
      break;
    default:
      unreachable(e);
  }
  return state;
};

const unreachable = (x: never): never => {
  throw new Error(`unhandled case ${JSON.stringify((x as { case?: string }).case)}`);
};

/** Folds events into a state (replay). */
export const evolveAll = (state: State, events: Iterable<ProtocolEvent>): State => {
  for (const e of events) evolve(state, e);
  return state;
};

/** A begin- or end-block step: decides from the state, records by `emit`. */
export type Step = (state: Readonly<State>, ctx: BlockContext, emit: Emit) => void;

const beginSteps: readonly Step[] = [
  staking.completeUnbondings,
  punishValidators,
  rewardValidators,
  openWindow,
];
const endSteps: readonly Step[] = [
  closeWindows,
  disputes.advanceDisputes,
  countAvailabilityBlock,
  expireAvailability,
  aggregation.advanceAggregations,
  settleWindows,
  gov.tallyProposals,
  updateConsensusSet,
];

export interface TxResult {
  /** 0 on success, else the ProtocolError code (codespace "remes"). */
  readonly code: number;
  readonly log: string;
  readonly events: readonly ProtocolEvent[];
}

export interface BlockResult {
  readonly state: State;
  readonly events: ProtocolEvent[];
  readonly txResults: TxResult[];
  readonly appHash: Uint8Array;
}

/**
 * Applies one transaction (its messages all or nothing) and returns the state
 * to continue with (always `state`, changed in place). Each message is
 * decided against the state the previous ones left; a multi-message
 * transaction evolves through an undo journal (journal.ts), so a failing
 * later message leaves no trace without a copy of the state.
 */
export const applyTx = (
  state: State,
  msgs: readonly ProtocolCommand[],
  ctx: BlockContext,
): { state: State; result: TxResult } => {
  if (msgs.length === 0)
    return {
      state,
      result: {
        code: fail("invalidMessage", "").code,
        log: "a transaction holds at least one message",
        events: [],
      },
    };
  if (msgs.length > state.params.maxTxMessages) {
    const err = fail(
      "tooLarge",
      `a transaction holds at most ${state.params.maxTxMessages} messages`,
    );
    return { state, result: { code: err.code, log: err.message, events: [] } };
  }
  if (msgs.length === 1) {
    const d = decide(state, msgs[0]!, ctx);
    if (isProtocolError(d)) return { state, result: { code: d.code, log: d.message, events: [] } };
    for (const e of d) evolve(state, e);
    return { state, result: { code: 0, log: "", events: d } };
  }
  return { state, result: journaledTx(state, msgs, ctx, true) };
};

/**
 * What a transaction would do, leaving the state as it was (CheckTx of a
 * multi-message tx: later messages may depend on earlier ones).
 */
export const dryRunTx = (
  state: State,
  msgs: readonly ProtocolCommand[],
  ctx: BlockContext,
): TxResult => {
  if (msgs.length === 0 || msgs.length > state.params.maxTxMessages)
    return applyTx(state, msgs, ctx).result;
  return journaledTx(state, msgs, ctx, false);
};

const journaledTx = (
  state: State,
  msgs: readonly ProtocolCommand[],
  ctx: BlockContext,
  keep: boolean,
): TxResult => {
  const journal = journaled(state);
  const events: ProtocolEvent[] = [];
  try {
    for (let i = 0; i < msgs.length; i++) {
      const d = decide(state, msgs[i]!, ctx);
      if (isProtocolError(d)) {
        journal.undo();
        return { code: d.code, log: `message ${i}: ${d.message}`, events: [] };
      }
      for (const e of d) {
        evolve(journal.view, e);
        events.push(e);
      }
    }
  } catch (err) {
    journal.undo(); // evolve is total; this only keeps a bug from leaving half a tx behind
    throw err;
  }
  if (keep) journal.commit();
  else journal.undo();
  return { code: 0, log: "", events };
};

/**
 * The fee of a transaction, paid to the fee collector before its messages
 * run, and kept even when they fail (a failed tx still cost the chain its
 * space). The node's Cosmos txs carry one; the simulator's carry none.
 */
export interface TxFee {
  readonly payer: string;
  readonly amount: bigint;
}

/** The fee's transfer, or the error when the payer can not cover it (the tx then runs no message). */
export const payFee = (state: Readonly<State>, fee: TxFee): ProtocolEvent | ProtocolError => {
  const bad = checkFunds(state, fee.payer, fee.amount);
  if (bad)
    return fail("insufficientFunds", `cannot pay the fee of ${fee.amount} uremes: ${bad.message}`);
  return event("transferred", {
    from: fee.payer,
    to: ModuleAccount.feeCollector,
    amount: fee.amount,
  });
};

/** applyTx after its fee (if any): the fee's event comes first and stays when the messages fail. */
export const applyFeeAndTx = (
  state: State,
  msgs: readonly ProtocolCommand[],
  ctx: BlockContext,
  fee: TxFee | undefined,
): { state: State; result: TxResult } => {
  if (fee === undefined || fee.amount === 0n) return applyTx(state, msgs, ctx);
  const paid = payFee(state, fee);
  if (isProtocolError(paid))
    return { state, result: { code: paid.code, log: paid.message, events: [] } };
  evolve(state, paid);
  const r = applyTx(state, msgs, ctx);
  return { state: r.state, result: { ...r.result, events: [paid, ...r.result.events] } };
};

export const applyBlock = (
  state: State,
  ctx: BlockContext,
  txs: readonly (readonly ProtocolCommand[])[],
  prevAppHash: Uint8Array,
  /**
   * The block's events hash (apphash.ts `blockEventsHash` by default). The
   * simulator passes one that also feeds its run-wide event log hash, so each
   * event is encoded once; it must return the same bytes.
   */
  eventsHash: (events: readonly ProtocolEvent[]) => Uint8Array = blockEventsHash,
  /** Per tx (same index), the fee it pays before its messages; none when absent. */
  fees?: readonly (TxFee | undefined)[],
  /**
   * The software-upgrade handlers of this binary (upgrades.ts). The node
   * passes its registry; the simulator's default runs every plan with the
   * empty migration (its operators upgrade in time).
   */
  upgrades: UpgradeHandlers = everyUpgrade,
): BlockResult => {
  // An upgrade this binary does not have: refuse the block before it changes anything (the node halts).
  const needed = upgradeNeeded(state, ctx.height, upgrades);
  if (needed !== undefined) throw new UpgradeNeededError(needed.name, needed.height);
  let current = state;
  const events: ProtocolEvent[] = [];
  const emit: Emit = (e) => {
    evolve(current, e);
    events.push(e);
  };
  emit(event("blockStarted", { height: ctx.height, timeMs: ctx.timeMs }));
  runUpgrade(current, ctx, emit, upgrades);
  for (const step of beginSteps) step(current, ctx, emit);
  const txResults: TxResult[] = [];
  for (let i = 0; i < txs.length; i++) {
    const r = applyFeeAndTx(current, txs[i]!, ctx, fees?.[i]);
    current = r.state;
    events.push(...r.result.events);
    txResults.push(r.result);
  }
  for (const step of endSteps) step(current, ctx, emit);
  return {
    state: current,
    events,
    txResults,
    appHash: chainAppHash(prevAppHash, eventsHash(events)),
  };
};
