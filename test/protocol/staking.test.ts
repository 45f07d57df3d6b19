import { describe, expect, it } from "vitest";
import { Offence, Role } from "../../src/gen/remes/v1/types_pb.ts";
import { command } from "../../src/protocol/commands.ts";
import { event } from "../../src/protocol/events.ts";
import { ModuleAccount, roleKey } from "../../src/protocol/state.ts";
import { accepted, balance, eventsOf, given, REMES, registerValidator, rejected } from "./given.ts";
import { labelAddress as addr } from "../../src/protocol/address.ts";

/** A 40-block unbonding period (validateParams needs at least window + settle delay, 35 with the demo windows). */
const world = () =>
  given({
    params: { unbondingBlocks: 40 },
    validators: { [addr("remes1val0")]: 40_000n },
    accounts: { [addr("remes1newval")]: 20_000n },
  });
const stakeOf = (chain: ReturnType<typeof world>, address: string, role = Role.VALIDATOR) =>
  chain.state.roles.get(roleKey(role, address))?.stake;

describe("staking", () => {
  it("registering a validator bonds its stake into the bonded pool", () => {
    const chain = world();
    const events = accepted(chain, registerValidator(addr("remes1newval"), 10_000n));
    expect(events).toContainEqual(
      event("stakeBonded", {
        address: addr("remes1newval"),
        role: Role.VALIDATOR,
        amount: 10_000n * REMES,
      }),
    );
    expect(stakeOf(chain, addr("remes1newval"))).toBe(10_000n * REMES);
    expect(balance(chain, addr("remes1newval"))).toBe(10_000n * REMES);
    expect(balance(chain, ModuleAccount.bondedPool)).toBe(50_000n * REMES);
  });

  it("registering below the minimum stake is rejected with stakeTooLow", () => {
    rejected(
      world(),
      command("registerValidator", {
        validator: addr("remes1newval"),
        stake: 10_000n * REMES - 1n,
        pubkey: new Uint8Array(32),
      }),
      "stakeTooLow",
    );
  });

  it("registering the same role twice is rejected with alreadyExists", () => {
    rejected(
      world(),
      command("registerValidator", {
        validator: addr("remes1val0"),
        stake: 10_000n * REMES,
        pubkey: new Uint8Array(32),
      }),
      "alreadyExists",
    );
  });

  it("unbonding more than the bonded stake is rejected with insufficientFunds", () => {
    rejected(
      world(),
      command("unbond", {
        address: addr("remes1val0"),
        role: Role.VALIDATOR,
        amount: 40_000n * REMES + 1n,
      }),
      "insufficientFunds",
    );
  });

  it("unbonded stake sits in the unbonding pool and is released exactly unbonding_blocks later", () => {
    const chain = world();
    chain.advanceTo(4);
    const events = accepted(
      chain,
      command("unbond", {
        address: addr("remes1val0"),
        role: Role.VALIDATOR,
        amount: 15_000n * REMES,
      }),
    ); // height 5
    expect(events).toContainEqual(
      event("unbondingStarted", {
        entryId: 0,
        address: addr("remes1val0"),
        role: Role.VALIDATOR,
        amount: 15_000n * REMES,
        completionHeight: 45,
      }),
    );
    expect(stakeOf(chain, addr("remes1val0"))).toBe(25_000n * REMES);
    expect(balance(chain, ModuleAccount.unbondingPool)).toBe(15_000n * REMES);
    chain.advanceTo(44);
    expect(balance(chain, addr("remes1val0"))).toBe(100_000n * REMES);
    chain.block(); // height 45
    expect(eventsOf(chain.lastResult!.events, "unbondingCompleted")).toEqual([
      expect.objectContaining({ entryId: 0n }),
    ]);
    expect(balance(chain, addr("remes1val0"))).toBe(115_000n * REMES);
    expect(balance(chain, ModuleAccount.unbondingPool)).toBe(0n);
    expect(chain.state.unbonding.size).toBe(0);
  });

  it("a slash reaches stake that is still unbonding", () => {
    const chain = world();
    accepted(
      chain,
      command("unbond", {
        address: addr("remes1val0"),
        role: Role.VALIDATOR,
        amount: 40_000n * REMES,
      }),
    ); // height 1, completes at 41
    expect(stakeOf(chain, addr("remes1val0"))).toBe(0n);
    const r = chain.block([], {
      misbehavior: [{ kind: "duplicate_vote", validator: addr("remes1val0"), height: 1 }],
    });
    // 5% of the 40,000 REMES at risk, all of it unbonding.
    expect(eventsOf(r.events, "slashed")).toEqual([
      expect.objectContaining({
        address: addr("remes1val0"),
        offence: Offence.DOUBLE_SIGN,
        amount: 2_000n * REMES,
        burned: 1_000n * REMES,
        toCommunity: 1_000n * REMES,
      }),
    ]);
    expect(chain.state.unbonding.get(0)!.amount).toBe(38_000n * REMES);
    expect(balance(chain, ModuleAccount.unbondingPool)).toBe(38_000n * REMES);
    chain.advanceTo(41);
    expect(balance(chain, addr("remes1val0"))).toBe(138_000n * REMES);
  });

  it("a slash takes bonded stake first and leaves unbonding entries whole when bonded stake covers it", () => {
    const chain = world();
    accepted(
      chain,
      command("unbond", {
        address: addr("remes1val0"),
        role: Role.VALIDATOR,
        amount: 10_000n * REMES,
      }),
    );
    chain.block([], {
      misbehavior: [{ kind: "duplicate_vote", validator: addr("remes1val0"), height: 1 }],
    });
    expect(stakeOf(chain, addr("remes1val0"))).toBe(28_000n * REMES);
    expect(chain.state.unbonding.get(0)!.amount).toBe(10_000n * REMES);
  });
});
