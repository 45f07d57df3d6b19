/**
 * Events addressed to specific actors: delivered to them whatever they
 * subscribed to (a node's client library filters by its own address).
 */
import type { ProtocolEvent } from "../protocol/events.ts";

const NOBODY: readonly string[] = Object.freeze([]);

export const addressees = (e: ProtocolEvent): readonly string[] => {
  switch (e.case) {
    case "aggregationProposerSelected":
      return [e.value.proposer];
    case "aggregationCommitted":
      return [e.value.proposer];
    case "disputeEscalated":
      return e.value.panel;
    case "panelRedrawn":
      return e.value.panel;
    case "availabilityChallenged":
      return [e.value.miner];
    default:
      return NOBODY;
  }
};
