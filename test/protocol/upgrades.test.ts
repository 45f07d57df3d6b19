import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ProposalStatus } from "../../src/gen/remes/v1/events_pb.ts";
import { ProposalContentSchema, VoteOption } from "../../src/gen/remes/v1/types_pb.ts";
import { labelAddress as addr } from "../../src/protocol/address.ts";
import { stateRoot } from "../../src/protocol/apphash.ts";
import { command } from "../../src/protocol/commands.ts";
import { event } from "../../src/protocol/events.ts";
import { checkState } from "../../src/protocol/invariants.ts";
import { cloneState } from "../../src/protocol/genesis.ts";
import { applyBlock, evolveAll } from "../../src/protocol/machine.ts";
import {
  EMPTY_MIGRATION,
  everyUpgrade,
  NO_UPGRADES,
  type UpgradeHandler,
  upgradeHandlers,
  upgradeNeeded,
  UpgradeNeededError,
  upgradeNeededLine,
} from "../../src/protocol/upgrades.ts";
import { accepted, eventsOf, given, REMES, rejected } from "./given.ts";

const GOV = addr("remes1gov");
const VOTER = addr("remes1voter");
const VOTING = 3;
/** Submitted at height 1, tallied at 1 + VOTING, due at UPGRADE_HEIGHT. */
const UPGRADE_HEIGHT = 8;

const upgradeProposal = (name: string, height = UPGRADE_HEIGHT) =>
  create(ProposalContentSchema, {
    title: `upgrade to ${name}`,
    kind: { case: "softwareUpgrade", value: { name, height: BigInt(height), info: "v2 binary" } },
  });

/** A chain whose proposal for `name` has passed: the plan is in state, due at UPGRADE_HEIGHT. */
const scheduled = (name = "v2") => {
  const chain = given({
    servingNodes: { [VOTER]: 10_000n },
    accounts: { [GOV]: 10_000n },
    params: { minServingStake: 1n, votingBlocksSoftwareUpgrade: VOTING },
  });
  accepted(
    chain,
    command("submitProposal", {
      proposer: GOV,
      content: upgradeProposal(name),
      deposit: chain.state.params.depositSoftwareUpgrade,
    }),
  );
  accepted(chain, command("vote", { voter: VOTER, proposalId: 0, option: VoteOption.YES }));
  chain.advanceTo(1 + VOTING);
  const [tallied] = eventsOf(chain.lastResult!.events, "proposalTallied");
  expect(tallied!.status).toBe(ProposalStatus.PASSED);
  expect(chain.state.softwareUpgrade).toEqual({
    name,
    height: UPGRADE_HEIGHT,
    info: "v2 binary",
  });
  chain.advanceTo(UPGRADE_HEIGHT - 1);
  return chain;
};

const only = (name: string, h: UpgradeHandler = EMPTY_MIGRATION) =>
  upgradeHandlers(new Map([[name, h]]));

describe("the halt decision (upgradeNeeded)", () => {
  it("goes on with no plan, before the plan's height, and with a handler; halts at the height without one", () => {
    const chain = scheduled();
    const s = chain.state;
    expect(upgradeNeeded(s, UPGRADE_HEIGHT - 1, NO_UPGRADES)).toBeUndefined();
    expect(upgradeNeeded(s, UPGRADE_HEIGHT, NO_UPGRADES)).toEqual(s.softwareUpgrade);
    expect(upgradeNeeded(s, UPGRADE_HEIGHT, only("v3"))).toEqual(s.softwareUpgrade);
    expect(upgradeNeeded(s, UPGRADE_HEIGHT, only("v2"))).toBeUndefined();
    expect(upgradeNeeded(s, UPGRADE_HEIGHT, everyUpgrade)).toBeUndefined();
    // A plan whose height went by (scheduled by the tally of its own block) is due at the next block: Plan.ShouldExecute.
    expect(upgradeNeeded(s, UPGRADE_HEIGHT + 5, NO_UPGRADES)).toEqual(s.softwareUpgrade);
    expect(upgradeNeeded(given({}).state, 100, NO_UPGRADES)).toBeUndefined();
  });

  it("a binary without the handler refuses the plan's block with the one line, and changes nothing", () => {
    const chain = scheduled();
    const before = stateRoot(chain.state);
    const ctx = chain.context(UPGRADE_HEIGHT);
    let thrown: unknown;
    try {
      applyBlock(chain.state, ctx, [], chain.appHash, undefined, undefined, only("other"));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(UpgradeNeededError);
    expect((thrown as Error).message).toBe(
      "upgrade v2 needed at height 8: stop this node and start the version that has it",
    );
    expect((thrown as Error).message).toBe(upgradeNeededLine("v2", UPGRADE_HEIGHT));
    expect(chain.state.height).toBe(UPGRADE_HEIGHT - 1);
    expect(stateRoot(chain.state)).toEqual(before);
    // Asked again (a restart of the same binary), it refuses again.
    expect(() =>
      applyBlock(chain.state, ctx, [], chain.appHash, undefined, undefined, NO_UPGRADES),
    ).toThrow(UpgradeNeededError);
  });
});

describe("running an upgrade", () => {
  it("runs the handler once at the plan's height: its events, then SoftwareUpgradeApplied; the plan is cleared and the name recorded", () => {
    const chain = scheduled();
    let calls = 0;
    const migrate: UpgradeHandler = (state, ctx, emit) => {
      calls++;
      expect(ctx.height).toBe(UPGRADE_HEIGHT);
      emit(event("paramsChanged", { params: { ...state.params, minServingStake: 2n * REMES } }));
    };
    const handlers = only("v2", migrate);
    const r = applyBlock(
      chain.state,
      chain.context(UPGRADE_HEIGHT),
      [],
      chain.appHash,
      undefined,
      undefined,
      handlers,
    );
    expect(r.events.slice(0, 3).map((e) => e.case)).toEqual([
      "blockStarted",
      "paramsChanged",
      "softwareUpgradeApplied",
    ]);
    expect(eventsOf(r.events, "softwareUpgradeApplied")).toEqual([
      expect.objectContaining({ name: "v2", height: BigInt(UPGRADE_HEIGHT) }),
    ]);
    expect(r.state.softwareUpgrade).toBeUndefined();
    expect(r.state.upgradesDone).toEqual(new Map([["v2", UPGRADE_HEIGHT]]));
    expect(r.state.params.minServingStake).toBe(2n * REMES);
    expect(checkState(r.state)).toEqual([]);
    // The same binary goes on; the handler does not run again.
    chain.state = r.state;
    chain.appHash = r.appHash;
    for (let h = UPGRADE_HEIGHT + 1; h <= UPGRADE_HEIGHT + 3; h++) {
      const next = applyBlock(
        chain.state,
        chain.context(h),
        [],
        chain.appHash,
        undefined,
        undefined,
        handlers,
      );
      chain.state = next.state;
      chain.appHash = next.appHash;
      expect(eventsOf(next.events, "softwareUpgradeApplied")).toEqual([]);
    }
    expect(calls).toBe(1);
  });

  it("the simulator's every-upgrade default and a node that has the handler record the same block and app hash", () => {
    const chain = scheduled();
    const ctx = chain.context(UPGRADE_HEIGHT);
    const sim = applyBlock(cloneState(chain.state), ctx, [], chain.appHash);
    const node = applyBlock(
      cloneState(chain.state),
      ctx,
      [],
      chain.appHash,
      undefined,
      undefined,
      only("v2"),
    );
    expect(node.appHash).toEqual(sim.appHash);
    expect(stateRoot(node.state)).toEqual(stateRoot(sim.state));
    expect(sim.state.upgradesDone.get("v2")).toBe(UPGRADE_HEIGHT);
  });

  it("replaying the event log without the handler reproduces the upgraded state (replay and state sync agree)", () => {
    const chain = scheduled();
    const start = given({
      servingNodes: { [VOTER]: 10_000n },
      accounts: { [GOV]: 10_000n },
      params: { minServingStake: 1n, votingBlocksSoftwareUpgrade: VOTING },
    }).state;
    const migrate: UpgradeHandler = (state, _ctx, emit) =>
      emit(event("paramsChanged", { params: { ...state.params, windowBlocks: 7 } }));
    const r = applyBlock(
      chain.state,
      chain.context(UPGRADE_HEIGHT),
      [],
      chain.appHash,
      undefined,
      undefined,
      only("v2", migrate),
    );
    const replayed = evolveAll(start, [...chain.log.flat(), ...r.events]);
    expect(stateRoot(replayed)).toEqual(stateRoot(r.state));
    expect(replayed.params.windowBlocks).toBe(7);
    expect(replayed.upgradesDone.get("v2")).toBe(UPGRADE_HEIGHT);
  });

  it("after the upgrade, a binary without its handler (the old version) refuses every later block", () => {
    const chain = scheduled();
    chain.advanceTo(UPGRADE_HEIGHT + 2); // MockChain runs every upgrade (the simulator's default)
    const old = only("v1");
    expect(upgradeNeeded(chain.state, UPGRADE_HEIGHT + 3, old)).toEqual({
      name: "v2",
      height: UPGRADE_HEIGHT,
    });
    expect(upgradeNeeded(chain.state, UPGRADE_HEIGHT + 3, only("v2"))).toBeUndefined();
    expect(() =>
      applyBlock(
        chain.state,
        chain.context(UPGRADE_HEIGHT + 3),
        [],
        chain.appHash,
        undefined,
        undefined,
        old,
      ),
    ).toThrow(upgradeNeededLine("v2", UPGRADE_HEIGHT));
  });

  it("an upgrade name is 1..64 letters, digits, '.', '_', '-' or '+': others are refused", () => {
    const chain = scheduled();
    for (const name of ["", "x".repeat(65), "v2\nfake line", "a b", "../v2"])
      rejected(
        chain,
        command("submitProposal", {
          proposer: GOV,
          content: upgradeProposal(name, UPGRADE_HEIGHT + 20),
          deposit: chain.state.params.depositSoftwareUpgrade,
        }),
        "invalidMessage",
      );
    accepted(
      chain,
      command("submitProposal", {
        proposer: GOV,
        content: upgradeProposal("v0.2.0+rc_1-x", UPGRADE_HEIGHT + 20),
        deposit: chain.state.params.depositSoftwareUpgrade,
      }),
    );
  });

  it("a proposal for an upgrade that already ran is refused", () => {
    const chain = scheduled();
    chain.block(); // MockChain runs every upgrade (the simulator's default)
    expect(chain.state.upgradesDone.get("v2")).toBe(UPGRADE_HEIGHT);
    const err = rejected(
      chain,
      command("submitProposal", {
        proposer: GOV,
        content: upgradeProposal("v2", UPGRADE_HEIGHT + 20),
        deposit: chain.state.params.depositSoftwareUpgrade,
      }),
      "alreadyExists",
    );
    expect(err.message).toBe("upgrade v2 already ran at height 8");
  });
});
