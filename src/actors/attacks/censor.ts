/**
 * Censoring block proposer: a validator that works honestly but, in the
 * blocks it proposes (the engine asks the proposer's actor through
 * `Actor.censor`), leaves out the txs that would hurt its coalition (its
 * scenario group): availability proofs answering a coalition member's
 * challenge (so the griefer of da-griefer.ts wins when the censor proposes
 * the whole response window), and challenges against a coalition member's
 * submission or aggregation. Left-out txs go back to the mempool, so an
 * honest proposer includes them later: censorship only delays, and wins only
 * where a deadline falls inside the censor's run of blocks.
 */
import { DisputeSubject } from "../../gen/remes/v1/events_pb.ts";
import type { ProtocolCommand } from "../../protocol/commands.ts";
import type { ProtocolEvent } from "../../protocol/events.ts";
import type { State } from "../../protocol/state.ts";
import { authorOf } from "../../protocol/verification/disputes.ts";
import type { ActorInfo } from "../kinds.ts";
import type { Actor, ActorIO } from "../actor.ts";
import { Validator, type ValidatorOptions } from "../validators.ts";

export class CensoringValidator implements Actor {
  readonly role = "validator";
  readonly #honest: Validator;
  readonly subscriptions: Validator["subscriptions"];

  constructor(
    readonly info: ActorInfo,
    readonly coalition: ReadonlySet<string>,
    options: ValidatorOptions,
  ) {
    this.#honest = new Validator(info, options);
    this.subscriptions = this.#honest.subscriptions;
  }

  reset(): void {
    this.#honest.reset();
  }

  onEvents(events: readonly ProtocolEvent[], io: ActorIO): void {
    this.#honest.onEvents(events, io);
  }

  censor(cmd: ProtocolCommand, state: Readonly<State>): boolean {
    const ours = (a: string | undefined) => a !== undefined && this.coalition.has(a);
    switch (cmd.case) {
      case "proveAvailability":
        return ours(state.availability.get(Number(cmd.value.challengeId))?.challenger);
      case "challengeAvailability":
      case "challengeGradient":
        return ours(state.submissions.get(Number(cmd.value.submissionId))?.miner);
      case "challengeAggregation":
        return ours(
          authorOf(state, {
            subject: DisputeSubject.AGGREGATION,
            subjectId: Number(cmd.value.aggregationId),
          })?.address,
        );
      default:
        return false;
    }
  }
}
