import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ProposalStatus } from "../../src/gen/remes/v1/events_pb.ts";
import { ProposalContentSchema, VoteOption } from "../../src/gen/remes/v1/types_pb.ts";
import { stateRoot } from "../../src/protocol/apphash.ts";
import { command } from "../../src/protocol/commands.ts";
import { decide } from "../../src/protocol/machine.ts";
import { ModuleAccount } from "../../src/protocol/state.ts";
import { accepted, balance, eventsOf, given, REMES, rejected } from "./given.ts";
import { labelAddress as addr } from "../../src/protocol/address.ts";

const { YES, NO, ABSTAIN, NO_WITH_VETO } = VoteOption;
const GOV = addr("remes1gov");
const VOTING = 5;

/**
 * Total bonded stake is exactly 10,000 REMES: each voter is a serving node
 * whose stake is its share; whatever the votes leave is held by a silent node.
 */
const world = (votes: readonly (readonly [bigint, VoteOption])[]) => {
  const nodes: Record<string, bigint> = {};
  let used = 0n;
  votes.forEach(([stake], i) => {
    nodes[addr(`remes1voter${i}`)] = stake;
    used += stake;
  });
  if (used < 10_000n) nodes[addr("remes1silent")] = 10_000n - used;
  const chain = given({
    servingNodes: nodes,
    accounts: { [GOV]: 1_000n },
    params: { minServingStake: 1n, votingBlocksText: VOTING, votingBlocksParameterChange: VOTING },
  });
  return chain;
};

const textProposal = () =>
  create(ProposalContentSchema, { title: "signal", kind: { case: "text", value: {} } });

/** Submits a text proposal at height 1, votes at height 2, tallies at height 1 + VOTING. */
const run = (votes: readonly (readonly [bigint, VoteOption])[]) => {
  const chain = world(votes);
  accepted(
    chain,
    command("submitProposal", { proposer: GOV, content: textProposal(), deposit: 100n * REMES }),
  );
  accepted(
    chain,
    ...votes.map(([, option], i) =>
      command("vote", { voter: addr(`remes1voter${i}`), proposalId: 0, option }),
    ),
  );
  const burnedBefore = chain.state.supply.burned;
  chain.advanceTo(1 + VOTING);
  const [tallied] = eventsOf(chain.lastResult!.events, "proposalTallied");
  return { chain, tallied: tallied!, burned: chain.state.supply.burned - burnedBefore };
};

describe("governance tally boundaries (quorum 40%, threshold 50%, veto 33.4%)", () => {
  it("exactly 40% of bonded stake voting is a quorum, and the proposal passes", () => {
    const { chain, tallied } = run([[4_000n, YES]]);
    expect(tallied.status).toBe(ProposalStatus.PASSED);
    expect(tallied.totalStaked).toBe(10_000n * REMES);
    expect(tallied.yes).toBe(4_000n * REMES);
    expect(tallied.depositBurned).toBe(false);
    expect(balance(chain, GOV)).toBe(1_000n * REMES);
  });

  it("39.99% of bonded stake voting misses quorum and the deposit is burned", () => {
    const { chain, tallied, burned } = run([[3_999n, YES]]);
    expect(tallied.status).toBe(ProposalStatus.NO_QUORUM);
    expect(tallied.depositBurned).toBe(true);
    expect(burned).toBe(100n * REMES);
    expect(balance(chain, GOV)).toBe(900n * REMES);
    expect(balance(chain, ModuleAccount.govDeposits)).toBe(0n);
  });

  it("exactly 50% yes of the non-abstaining votes fails, and the deposit is refunded", () => {
    const { chain, tallied, burned } = run([
      [2_500n, YES],
      [2_500n, NO],
    ]);
    expect(tallied.status).toBe(ProposalStatus.REJECTED);
    expect(tallied.depositBurned).toBe(false);
    expect(burned).toBe(0n);
    expect(balance(chain, GOV)).toBe(1_000n * REMES);
  });

  it("just above 50% yes passes", () => {
    const { tallied } = run([
      [2_501n, YES],
      [2_499n, NO],
    ]);
    expect(tallied.status).toBe(ProposalStatus.PASSED);
  });

  it("abstentions count for quorum but not for the threshold", () => {
    const { tallied } = run([
      [1_001n, YES],
      [1_000n, NO],
      [3_000n, ABSTAIN],
    ]);
    expect(tallied.status).toBe(ProposalStatus.PASSED);
    expect(tallied.abstain).toBe(3_000n * REMES);
  });

  it("exactly 33.4% NoWithVeto is not a veto", () => {
    const { tallied } = run([
      [6_660n, YES],
      [3_340n, NO_WITH_VETO],
    ]);
    expect(tallied.status).toBe(ProposalStatus.PASSED);
    expect(tallied.noWithVeto).toBe(3_340n * REMES);
  });

  it("just above 33.4% NoWithVeto vetoes the proposal and burns the deposit", () => {
    const { chain, tallied, burned } = run([
      [6_659n, YES],
      [3_341n, NO_WITH_VETO],
    ]);
    expect(tallied.status).toBe(ProposalStatus.VETOED);
    expect(tallied.depositBurned).toBe(true);
    expect(burned).toBe(100n * REMES);
    expect(balance(chain, GOV)).toBe(900n * REMES);
  });

  it("a passed parameter change changes the params and refunds the deposit", () => {
    const chain = world([[5_000n, YES]]);
    const content = create(ProposalContentSchema, {
      title: "burn more",
      kind: {
        case: "parameterChange",
        value: { changes: [{ key: "slash_burn_bps", value: "7000" }] },
      },
    });
    accepted(chain, command("submitProposal", { proposer: GOV, content, deposit: 500n * REMES }));
    expect(balance(chain, GOV)).toBe(500n * REMES);
    expect(balance(chain, ModuleAccount.govDeposits)).toBe(500n * REMES);
    accepted(chain, command("vote", { voter: addr("remes1voter0"), proposalId: 0, option: YES }));
    chain.advanceTo(1 + VOTING - 1);
    expect(chain.state.params.slashBurnBps).toBe(5_000);
    chain.block();
    const events = chain.lastResult!.events;
    expect(eventsOf(events, "proposalTallied")[0]!.status).toBe(ProposalStatus.PASSED);
    expect(eventsOf(events, "paramsChanged")[0]!.params!.slashBurnBps).toBe(7_000);
    expect(chain.state.params.slashBurnBps).toBe(7_000);
    expect(balance(chain, GOV)).toBe(1_000n * REMES);
    expect(chain.state.proposals.get(0)!.status).toBe(ProposalStatus.PASSED);
  });

  it("deciding a parameter change proposal does not touch the state (params included)", () => {
    const chain = world([[5_000n, YES]]);
    const content = create(ProposalContentSchema, {
      title: "burn more",
      kind: {
        case: "parameterChange",
        value: { changes: [{ key: "slash_burn_bps", value: "7000" }] },
      },
    });
    const before = stateRoot(chain.state);
    const d = decide(
      chain.state,
      command("submitProposal", { proposer: GOV, content, deposit: 500n * REMES }),
      chain.context(),
    );
    expect(Array.isArray(d)).toBe(true);
    expect(chain.state.params.slashBurnBps).toBe(5_000);
    expect(stateRoot(chain.state)).toEqual(before);
  });

  it("a rejected parameter change leaves the params as they were", () => {
    const chain = world([[5_000n, NO]]);
    const content = create(ProposalContentSchema, {
      title: "burn more",
      kind: {
        case: "parameterChange",
        value: { changes: [{ key: "slash_burn_bps", value: "7000" }] },
      },
    });
    accepted(chain, command("submitProposal", { proposer: GOV, content, deposit: 500n * REMES }));
    accepted(chain, command("vote", { voter: addr("remes1voter0"), proposalId: 0, option: NO }));
    chain.advanceTo(1 + VOTING);
    expect(eventsOf(chain.lastResult!.events, "proposalTallied")[0]!.status).toBe(
      ProposalStatus.REJECTED,
    );
    expect(chain.state.params.slashBurnBps).toBe(5_000);
    expect(balance(chain, GOV)).toBe(1_000n * REMES);
  });

  it("rejects a deposit below the kind's minimum, an unknown parameter, a voter without stake and a vote after the period", () => {
    const chain = world([[5_000n, YES]]);
    rejected(
      chain,
      command("submitProposal", {
        proposer: GOV,
        content: textProposal(),
        deposit: 100n * REMES - 1n,
      }),
      "insufficientFunds",
    );
    const bogus = create(ProposalContentSchema, {
      title: "x",
      kind: { case: "parameterChange", value: { changes: [{ key: "no_such_param", value: "1" }] } },
    });
    rejected(
      chain,
      command("submitProposal", { proposer: GOV, content: bogus, deposit: 500n * REMES }),
      "invalidParams",
    );
    accepted(
      chain,
      command("submitProposal", { proposer: GOV, content: textProposal(), deposit: 100n * REMES }),
    );
    rejected(chain, command("vote", { voter: GOV, proposalId: 0, option: YES }), "unauthorized");
    rejected(
      chain,
      command("vote", { voter: addr("remes1voter0"), proposalId: 7, option: YES }),
      "notFound",
    );
    rejected(
      chain,
      command("vote", { voter: addr("remes1voter0"), proposalId: 0, option: YES }),
      "wrongPhase",
      1 + VOTING + 1,
    );
  });
});
