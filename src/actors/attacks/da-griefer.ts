/**
 * Data-availability griefer: a client that, when a window closes, bonds
 * availability challenges (availabilityBond: since issue 13 a quarter of the
 * slash it can cause, 50 REMES against a 2,000 REMES miner) against
 * `challengesPerWindow` random live submissions of miners outside its
 * coalition. A miner that answers within da_response_blocks (3) wins the
 * bond; one whose proof lands later is slashed slash_availability_bps (10%)
 * of its stake, challenger_reward_bps (half) of it to the griefer, and its
 * submission is rejected. Against miners who answer at once it only loses
 * bonds; paired with a censoring block proposer of its coalition (censor.ts)
 * that leaves the victims' proofs out of the blocks it proposes, it wins
 * when the censors propose every block of a response window, which since
 * issue 13 must also span blocks of two distinct proposers: each win pays
 * 100 REMES, each loss costs 50 (availability.ts states the closed form).
 */
import { SubmissionStatus } from "../../gen/remes/v1/events_pb.ts";
import { availabilityBond, challengedSubmissions } from "../../protocol/availability.ts";
import { command } from "../../protocol/commands.ts";
import type { ProtocolEvent } from "../../protocol/events.ts";
import type { ActorInfo } from "../kinds.ts";
import type { Actor, ActorIO } from "../actor.ts";

export class DaGriefer implements Actor {
  readonly role = "client";
  readonly subscriptions = ["windowClosed"] as const;

  constructor(
    readonly info: ActorInfo,
    readonly coalition: ReadonlySet<string>,
    readonly challengesPerWindow: number,
  ) {}

  reset(): void {}

  onEvents(events: readonly ProtocolEvent[], io: ActorIO): void {
    for (const e of events) {
      if (e.case !== "windowClosed") continue;
      const state = io.chain.state;
      const open = challengedSubmissions(state);
      const victims = io.world.queries
        .live(state, Number(e.value.window))
        .filter(
          (s) =>
            !this.coalition.has(s.miner) &&
            s.status !== SubmissionStatus.REJECTED &&
            !open.has(s.id),
        );
      for (let k = 0; k < this.challengesPerWindow && victims.length > 0; k++) {
        const s = victims.splice(io.prng.below(victims.length), 1)[0]!;
        io.submit(
          command("challengeAvailability", {
            challenger: this.info.address,
            submissionId: s.id,
            bond: availabilityBond(state, s.miner),
          }),
        );
      }
    }
  }
}
