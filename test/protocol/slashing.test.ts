import { describe, expect, it } from "vitest";
import { Offence, Role } from "../../src/gen/remes/v1/types_pb.ts";
import { event } from "../../src/protocol/events.ts";
import { ModuleAccount, roleKey } from "../../src/protocol/state.ts";
import { balance, eventsOf, given, REMES } from "./given.ts";
import { labelAddress as addr } from "../../src/protocol/address.ts";

const world = () =>
  given({
    validators: { [addr("remes1val0")]: 40_000n, [addr("remes1val1")]: 30_000n },
    params: { livenessWindowBlocks: 10, minSignedBps: 5_000 },
  });
const stake = (chain: ReturnType<typeof world>, v: string) =>
  chain.state.roles.get(roleKey(Role.VALIDATOR, v))!.stake;

describe("slashing", () => {
  it("double-sign evidence slashes 5% of the validator's stake, split between burn and community pool", () => {
    const chain = world();
    chain.block();
    const burnedBefore = chain.state.supply.burned;
    const r = chain.block([], {
      misbehavior: [{ kind: "duplicate_vote", validator: addr("remes1val0"), height: 1 }],
    });
    expect(eventsOf(r.events, "slashed")).toEqual([
      event("slashed", {
        address: addr("remes1val0"),
        role: Role.VALIDATOR,
        offence: Offence.DOUBLE_SIGN,
        offenceKey: `double_sign/1/${addr("remes1val0")}`,
        amount: 2_000n * REMES,
        burned: 1_000n * REMES,
        toCommunity: 1_000n * REMES,
        beneficiary: "",
        toBeneficiary: 0n,
      }).value,
    ]);
    expect(stake(chain, addr("remes1val0"))).toBe(38_000n * REMES);
    expect(chain.state.supply.burned - burnedBefore).toBe(1_000n * REMES);
    expect(balance(chain, ModuleAccount.communityPool)).toBe(1_000n * REMES);
    expect(balance(chain, ModuleAccount.bondedPool)).toBe(68_000n * REMES);
  });

  it("the same double-sign evidence submitted twice slashes only once", () => {
    const chain = world();
    const evidence = [
      { kind: "duplicate_vote" as const, validator: addr("remes1val0"), height: 1 },
    ];
    chain.block([], { misbehavior: evidence });
    const again = chain.block([], { misbehavior: evidence });
    expect(eventsOf(again.events, "slashed")).toEqual([]);
    expect(stake(chain, addr("remes1val0"))).toBe(38_000n * REMES);
  });

  it("double signing at another height is a new offence and slashes again, from the reduced stake", () => {
    const chain = world();
    chain.block([], {
      misbehavior: [{ kind: "duplicate_vote", validator: addr("remes1val0"), height: 1 }],
    });
    chain.block([], {
      misbehavior: [{ kind: "duplicate_vote", validator: addr("remes1val0"), height: 2 }],
    });
    expect(stake(chain, addr("remes1val0"))).toBe(38_000n * REMES - 1_900n * REMES);
  });

  it("a validator that misses more than the allowed blocks in a liveness window is slashed 0.01% for downtime", () => {
    const chain = world();
    chain.block(); // height 1
    // Heights 2..7 report that val0 did not sign the previous block: 6 misses > 5 allowed (50% of 10).
    for (let h = 2; h <= 7; h++)
      chain.block([], {
        lastCommit: [
          { address: addr("remes1val0"), signed: false },
          { address: addr("remes1val1"), signed: true },
        ],
      });
    expect(chain.state.missedBlocks.get(addr("remes1val0"))).toBe(6);
    chain.advanceTo(9);
    const r = chain.block(); // height 10 closes the liveness window [1, 10]
    expect(eventsOf(r.events, "slashed")).toEqual([
      event("slashed", {
        address: addr("remes1val0"),
        role: Role.VALIDATOR,
        offence: Offence.DOWNTIME,
        offenceKey: `downtime/1/${addr("remes1val0")}`,
        amount: 4n * REMES,
        burned: 2n * REMES,
        toCommunity: 2n * REMES,
        beneficiary: "",
        toBeneficiary: 0n,
      }).value,
    ]);
    expect(eventsOf(r.events, "livenessWindowReset")).toEqual([
      expect.objectContaining({ startHeight: 11n }),
    ]);
    expect(stake(chain, addr("remes1val0"))).toBe(40_000n * REMES - 4n * REMES);
    expect(stake(chain, addr("remes1val1"))).toBe(30_000n * REMES);
    expect(chain.state.missedBlocks.size).toBe(0);
  });

  it("a validator that misses exactly the allowed number of blocks is not slashed", () => {
    const chain = world();
    chain.block();
    for (let h = 2; h <= 6; h++)
      chain.block([], { lastCommit: [{ address: addr("remes1val0"), signed: false }] });
    chain.advanceTo(10);
    expect(eventsOf(chain.log.flat(), "slashed")).toEqual([]);
    expect(stake(chain, addr("remes1val0"))).toBe(40_000n * REMES);
  });
});
