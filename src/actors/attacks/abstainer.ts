/**
 * Panel abstainer: a validator that works honestly except where a dispute
 * accuses a member of its coalition (its scenario group, e.g. a lazy miner
 * that pays it): there it casts no tier-2 loss vote and, on a tier-3 panel,
 * no verdict. The protocol punishes only a verdict against the outcome; a
 * missing one costs nothing, and a panel with no majority by its deadline
 * leaves the dispute UNDECIDED, which accepts the accused's submission
 * (MISMATCHED → OPTIMISTIC) and pays it. With tier3_panel_size 3, two
 * abstainers on a panel are enough.
 */
import type { ProtocolEvent } from "../../protocol/events.ts";
import type { State } from "../../protocol/state.ts";
import { authorOf } from "../../protocol/verification/disputes.ts";
import type { ActorInfo } from "../../sim/sink.ts";
import type { Actor, ActorIO } from "../actor.ts";
import { Validator, type ValidatorOptions } from "../validators.ts";

export class AbstainingValidator implements Actor {
  readonly role = "validator";
  readonly #honest: Validator;
  readonly subscriptions: Validator["subscriptions"];

  constructor(readonly info: ActorInfo, readonly coalition: ReadonlySet<string>, options: ValidatorOptions) {
    this.#honest = new Validator(info, options);
    this.subscriptions = this.#honest.subscriptions;
  }

  reset(): void {
    this.#honest.reset();
  }

  onEvents(events: readonly ProtocolEvent[], io: ActorIO): void {
    const state = io.chain.state;
    const rest = events.filter((e) => !this.#shields(e, state));
    if (rest.length > 0) this.#honest.onEvents(rest, io);
  }

  /** Whether the event asks it to judge work of its coalition (it then stays silent). */
  #shields(e: ProtocolEvent, state: Readonly<State>): boolean {
    const d = e.case === "disputeOpened" ? e.value : e.case === "disputeEscalated" ? state.disputes.get(e.value.disputeId) : undefined;
    if (!d) return false;
    const author = authorOf(state, d);
    return author !== undefined && author.address !== this.info.address && this.coalition.has(author.address);
  }
}
