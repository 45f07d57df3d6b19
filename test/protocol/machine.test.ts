import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ProposalContentSchema, Role, VoteOption } from "../../src/gen/remes/v1/types_pb.ts";
import { stateRoot } from "../../src/protocol/apphash.ts";
import { command, type ProtocolCommand } from "../../src/protocol/commands.ts";
import type { ErrorName } from "../../src/protocol/errors.ts";
import { applyTx } from "../../src/protocol/machine.ts";
import { balance, REMES, rejected } from "./given.ts";
import { BOND, CHALLENGER, challenged, CLAIMED_LOSS } from "./verification/world.ts";
import { labelAddress as addr } from "../../src/protocol/address.ts";

const cases: readonly (readonly [string, ProtocolCommand, ErrorName])[] = [
  [
    "a send beyond the balance",
    command("send", {
      fromAddress: CHALLENGER,
      toAddress: addr("remes1x"),
      amount: 10_000n * REMES,
    }),
    "insufficientFunds",
  ],
  [
    "a bond for a role never registered",
    command("bond", { address: CHALLENGER, role: Role.MINER, amount: 1n }),
    "notFound",
  ],
  [
    "a gradient from an address that is not a miner",
    command("submitGradient", { miner: CHALLENGER, window: 0 }),
    "unauthorized",
  ],
  [
    "a challenge of a submission already under dispute",
    command("challengeGradient", { challenger: addr("remes1val0"), submissionId: 0, bond: BOND }),
    "duplicate",
  ],
  [
    "a loss vote from a non-validator",
    command("voteLossCheck", {
      validator: CHALLENGER,
      disputeId: 0,
      computedLossMicro: CLAIMED_LOSS,
    }),
    "unauthorized",
  ],
  [
    "a verdict on a tier-2 dispute",
    command("submitArbitrationVerdict", {
      validator: addr("remes1val0"),
      disputeId: 0,
      valid: true,
    }),
    "wrongPhase",
  ],
  [
    "a trap commitment from outside the committee",
    command("commitTrapJobs", { validator: addr("remes1val3"), window: 2, commitments: [] }),
    "notSelected",
  ],
  [
    "a trap reveal for a window without traps",
    command("revealTrapJobs", { validator: addr("remes1val0"), window: 0, reveals: [] }),
    "notFound",
  ],
  [
    "an aggregation commit for an open window",
    command("commitAggregation", {
      proposer: addr("remes1val0"),
      window: 0,
      commitment: new Uint8Array(32),
    }),
    "notFound",
  ],
  [
    "a proposal deposit below the minimum",
    command("submitProposal", {
      proposer: CHALLENGER,
      content: create(ProposalContentSchema, { title: "t", kind: { case: "text", value: {} } }),
      deposit: 1n,
    }),
    "insufficientFunds",
  ],
  [
    "a vote on a missing proposal",
    command("vote", { voter: addr("remes1val0"), proposalId: 0, option: VoteOption.YES }),
    "notFound",
  ],
  [
    "an availability proof for no challenge",
    command("proveAvailability", { miner: addr("remes1miner0"), challengeId: 0 }),
    "notFound",
  ],
];

describe("the decider", () => {
  for (const [what, cmd, name] of cases) {
    it(`rejects ${what} with ${name} and leaves the state root untouched`, () => {
      rejected(challenged().chain, cmd, name);
    });
  }

  it("a transaction whose later message fails leaves no trace of its earlier messages", () => {
    const { chain } = challenged();
    const before = stateRoot(chain.state);
    const { state, result } = applyTx(
      chain.state,
      [
        command("send", {
          fromAddress: CHALLENGER,
          toAddress: addr("remes1x"),
          amount: 1n * REMES,
        }),
        command("send", {
          fromAddress: CHALLENGER,
          toAddress: addr("remes1x"),
          amount: 10_000n * REMES,
        }),
      ],
      chain.context(),
    );
    expect(result.code).toBe(4);
    expect(result.log).toMatch(/^message 1: /);
    expect(result.events).toEqual([]);
    expect(state).toBe(chain.state);
    expect(stateRoot(chain.state)).toEqual(before);
    expect(balance(chain, addr("remes1x"))).toBe(0n);
  });
});
