/**
 * Governance capture: validators of one coalition (scenario group) that work
 * honestly, and at `proposeAtBlock` the first of them (by address) submits a
 * parameter change proposal that switches defences off; every member votes
 * yes. Voting power is bonded stake and the tally needs a 40% quorum of all
 * bonded stake and > 50% yes of the votes cast, so a coalition holding 40%
 * passes anything when the others do not vote. Before issue 13
 * `validateParams` only bounded basis points and a few minimums, so
 * tolerance 100%, trap rate 0, vault size 0, unbonding 0 and slash rates 0
 * all passed; now it refuses every change that switches a defence off, and
 * such a proposal is refused at submission.
 */
import { create } from "@bufbuild/protobuf";
import { ParamsSchema } from "../../gen/remes/v1/params_pb.ts";
import { ProposalContentSchema, VoteOption } from "../../gen/remes/v1/types_pb.ts";
import { command } from "../../protocol/commands.ts";
import type { ProtocolEvent } from "../../protocol/events.ts";
import type { ActorInfo } from "../kinds.ts";
import type { Actor, ActorIO } from "../actor.ts";
import { Validator, type ValidatorOptions } from "../validators.ts";

/** A scenario's camelCase parameter name → the chain's snake_case key (the proto field's name; unknown names pass through and are refused on chain). */
export const snakeKey = (camel: string): string =>
  ParamsSchema.fields.find((f) => f.localName === camel)?.name ?? camel;

export class CapturingValidator implements Actor {
  readonly role = "validator";
  readonly subscriptions = [
    "windowOpened",
    "windowClosed",
    "disputeOpened",
    "aggregationRevealed",
    "proposalSubmitted",
  ] as const;
  readonly #honest: Validator;
  #scheduled = false;

  constructor(
    readonly info: ActorInfo,
    readonly coalition: ReadonlySet<string>,
    readonly changes: Readonly<Record<string, string | number>>,
    readonly proposeAtBlock: number,
    options: ValidatorOptions,
  ) {
    this.#honest = new Validator(info, options);
    for (const k of Object.keys(changes)) {
      if (!ParamsSchema.fields.some((f) => f.localName === k))
        throw new Error(
          `capturing_validator ${info.group}: paramChanges.${k} is not a protocol parameter (camelCase fields of remes.remes.v1.Params, e.g. trapRateBps)`,
        );
    }
  }

  reset(): void {
    this.#honest.reset();
  }

  onEvents(events: readonly ProtocolEvent[], io: ActorIO): void {
    this.#honest.onEvents(events, io);
    if (!this.#scheduled && this.#leads()) {
      this.#scheduled = true;
      io.wake(Math.max(0, this.proposeAtBlock - io.chain.height - 1) * io.blockTimeMs, () =>
        this.#propose(io),
      );
    }
    for (const e of events) {
      if (e.case === "proposalSubmitted" && this.coalition.has(e.value.proposer)) {
        io.submit(
          command("vote", {
            voter: this.info.address,
            proposalId: e.value.proposalId,
            option: VoteOption.YES,
          }),
        );
      }
    }
  }

  #leads(): boolean {
    return (
      [...this.coalition].sort()[0] === this.info.address && Object.keys(this.changes).length > 0
    );
  }

  #propose(io: ActorIO): void {
    const changes = Object.entries(this.changes)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => ({ key: snakeKey(k), value: String(v) }));
    const content = create(ProposalContentSchema, {
      title: "tune parameters",
      kind: { case: "parameterChange", value: { changes } },
    });
    io.submit(
      command("submitProposal", {
        proposer: this.info.address,
        content,
        deposit: io.chain.state.params.depositParameterChange,
      }),
    );
  }
}
