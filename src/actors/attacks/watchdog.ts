/**
 * Watchdog challenger: an honest client that distrusts work tier 1 flagged.
 * When a protocol-opened dispute over a tier-1 mismatch is upheld by a
 * loss vote (tier 2), it bonds a challenge of the same submission before the
 * challenge window ends, expecting tier 3 to find the gradient wrong. A
 * dispute upheld at tier 3 was already recomputed bit for bit, so it leaves
 * that alone. The protocol once settled tier-1 mismatches by the loss vote
 * on the claimed loss, and then the watchdog's bond went to a loss copier
 * (loss-copier.ts); mismatches now go straight to tier 3, where copies are
 * rejected, so the watchdog has nothing to lose its bond on.
 */
import { DisputeOutcome, DisputeSubject } from "../../gen/remes/v1/events_pb.ts";
import { command } from "../../protocol/commands.ts";
import type { ProtocolEvent } from "../../protocol/events.ts";
import { requiredBond } from "../../protocol/verification/tier2.ts";
import type { ActorInfo } from "../kinds.ts";
import type { Actor, ActorIO } from "../actor.ts";

export class Watchdog implements Actor {
  readonly role = "client";
  readonly subscriptions = ["disputeOpened", "disputeResolved"] as const;
  /** Protocol-opened gradient disputes: dispute id → submission id. */
  #flagged = new Map<number, number>();

  constructor(readonly info: ActorInfo) {}

  reset(): void {
    this.#flagged = new Map();
  }

  onEvents(events: readonly ProtocolEvent[], io: ActorIO): void {
    for (const e of events) {
      if (
        e.case === "disputeOpened" &&
        e.value.challenger === "" &&
        e.value.subject === DisputeSubject.GRADIENT
      ) {
        this.#flagged.set(Number(e.value.disputeId), Number(e.value.subjectId));
      } else if (e.case === "disputeResolved") {
        const id = this.#flagged.get(Number(e.value.disputeId));
        this.#flagged.delete(Number(e.value.disputeId));
        if (id === undefined || e.value.outcome !== DisputeOutcome.UPHELD || e.value.tier !== 2)
          continue;
        const state = io.chain.state;
        const bond = requiredBond(state);
        if (state.submissions.has(id) && (state.balances.get(this.info.address) ?? 0n) >= bond) {
          io.submit(
            command("challengeGradient", { challenger: this.info.address, submissionId: id, bond }),
          );
        }
      }
    }
    if (this.#flagged.size > 10_000) this.#flagged.clear();
  }
}
