/**
 * ABCI event attributes leave proto3 defaults out (src/node/abci-events.ts):
 * submission 0, shard 0, window 0 are absent, not "0". The views key on
 * these ids, so they are put back for the events the views read
 * (test/explorer/event-defaults.test.ts checks each against events.proto).
 */
export const NUMERIC_IDS: Readonly<Record<string, readonly string[]>> = {
  windowOpened: ["window"],
  windowClosed: ["window"],
  windowSettled: ["window"],
  gradientCommitted: ["window", "shard"],
  gradientCommitUnrevealed: ["window", "shard"],
  gradientSubmitted: ["submissionId", "window", "shard"],
  tier1Evaluated: ["window", "shard"],
  submissionRejected: ["submissionId"],
  disputeOpened: ["disputeId", "subjectId", "window", "tier"],
  disputeEscalated: ["disputeId"],
  disputeResolved: ["disputeId", "tier"],
  lossVoteCast: ["disputeId"],
  arbitrationVerdictCast: ["disputeId"],
  panelRedrawn: ["disputeId", "round"],
  verifierPaid: ["disputeId"],
  trapCommitmentApproved: ["window"],
  trapCommitmentAccepted: ["window"],
  trapRevealed: ["window", "shard", "vaultEntryId"],
  aggregationProposerSelected: ["window"],
  aggregationCommitted: ["window"],
  aggregationRevealed: ["aggregationId", "window"],
  aggregationFaulted: ["window"],
  aggregationFinalized: ["aggregationId", "window"],
  proposalSubmitted: ["proposalId"],
  voteCast: ["proposalId"],
  proposalTallied: ["proposalId"],
  unbondingStarted: ["entryId"],
  unbondingCompleted: ["entryId"],
};
