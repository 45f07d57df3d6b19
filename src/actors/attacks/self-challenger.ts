/**
 * Self-challenge farmer: a validator whose coalition (its scenario `group`)
 * includes miners. Every submission of a coalition miner is challenged by
 * the farmer as soon as the chain takes it, and again as soon as each
 * dispute resolves, until the submission's challenge window ends. The miners
 * work honestly, so every dispute is upheld. Before issue 13 the bond went
 * back to the coalition and every agreeing voter, the farmer included, was
 * minted validator_verification_reward: the farmer was paid per dispute at
 * no net cost. Now challenges wait for the window to close (tier2.ts), the
 * farmer may not vote on its own dispute, and the verifiers are paid out of
 * its bond (disputes.ts): farming only costs the coalition. Otherwise it is
 * an honest validator (trap committee, votes, verdicts, aggregate checks).
 */
import { Role } from "../../gen/remes/v1/types_pb.ts";
import { command } from "../../protocol/commands.ts";
import type { EventCase, ProtocolEvent } from "../../protocol/events.ts";
import { isActive } from "../../protocol/staking.ts";
import { roleKey } from "../../protocol/state.ts";
import { DisputeSubject, SubmissionStatus } from "../../gen/remes/v1/events_pb.ts";
import { openDisputeOn } from "../../protocol/verification/disputes.ts";
import { requiredBond } from "../../protocol/verification/tier2.ts";
import type { ActorInfo } from "../kinds.ts";
import type { Actor, ActorIO } from "../actor.ts";
import { Validator, type ValidatorOptions } from "../validators.ts";

export class FarmingValidator implements Actor {
  readonly role = "validator";
  readonly subscriptions: readonly EventCase[];
  readonly #honest: Validator;
  /** Coalition submissions still farmable, and the height a challenge of each was last sent. */
  #targets = new Map<number, number>();
  #ticking = false;

  constructor(
    readonly info: ActorInfo,
    readonly coalition: ReadonlySet<string>,
    options: ValidatorOptions,
  ) {
    this.#honest = new Validator(info, options);
    this.subscriptions = [...this.#honest.subscriptions, "gradientSubmitted" as const];
  }

  reset(): void {
    this.#honest.reset();
    this.#targets = new Map();
    this.#ticking = false;
  }

  onEvents(events: readonly ProtocolEvent[], io: ActorIO): void {
    this.#honest.onEvents(events, io);
    for (const e of events) {
      if (
        e.case !== "gradientSubmitted" ||
        e.value.miner === this.info.address ||
        !this.coalition.has(e.value.miner)
      )
        continue;
      this.#targets.set(Number(e.value.submissionId), -1);
      if (!this.#ticking) this.#tick(io);
    }
  }

  /** Once a block: challenge each coalition submission that has no open dispute and can still be challenged when the tx lands (two blocks' margin). */
  #tick(io: ActorIO): void {
    const state = io.chain.state;
    const role = state.roles.get(roleKey(Role.VALIDATOR, this.info.address));
    const bond = requiredBond(state);
    let balance = state.balances.get(this.info.address) ?? 0n;
    for (const [id, sentAt] of [...this.#targets]) {
      const s = state.submissions.get(id);
      const w = s && state.windows.get(s.window);
      if (
        !s ||
        !w ||
        s.status === SubmissionStatus.REJECTED ||
        (w.closed && state.height + 2 > w.closeHeight + state.params.challengeWindowBlocks)
      ) {
        this.#targets.delete(id);
        continue;
      }
      // Wait for the last challenge to land (or be refused) before sending another.
      if (
        openDisputeOn(state, DisputeSubject.GRADIENT, id) ||
        (sentAt >= 0 && state.height <= sentAt + 1)
      )
        continue;
      if (!role || !isActive(state, role) || balance < bond) continue;
      balance -= bond;
      this.#targets.set(id, state.height);
      io.submit(
        command("challengeGradient", { challenger: this.info.address, submissionId: id, bond }),
      );
    }
    this.#ticking = this.#targets.size > 0;
    if (this.#ticking) io.wake(io.blockTimeMs, () => this.#tick(io));
  }
}
