import { describe, expect, it } from "vitest";
import { Offence, Role } from "../../src/gen/remes/v1/types_pb.ts";
import { command } from "../../src/protocol/commands.ts";
import { event } from "../../src/protocol/events.ts";
import { hashParts } from "../../src/protocol/randomness.ts";
import { ModuleAccount, roleKey } from "../../src/protocol/state.ts";
import { trapCommittee, trapCommitment } from "../../src/protocol/traps.ts";
import { accepted, balance, eventsOf, given, hashOf, MockChain, REMES, rejected, shardOf, submission } from "./given.ts";
import { labelAddress as addr } from "../../src/protocol/address.ts";

const validators = { [addr("remes1val0")]: 40_000n, [addr("remes1val1")]: 35_000n, [addr("remes1val2")]: 30_000n, [addr("remes1val3")]: 25_000n };
const miners = { [addr("remes1miner0")]: 2_000n, [addr("remes1miner1")]: 2_000n, [addr("remes1miner2")]: 2_000n, [addr("remes1miner3")]: 2_000n };
const vault = [0, 1, 2, 3].map((i) => hashOf(`vault-${i}`));
const salt = (shard: number) => hashParts("salt", shard);

/** Window 1's traps: every shard s is a trap answered by vault entry s, padded with dummies. */
const commitments = (): Uint8Array[] => {
  const real = [0, 1, 2, 3].map((s) => trapCommitment(1, s, s, salt(s)));
  return [...real, hashParts("dummy", 0), hashParts("dummy", 1)].sort((a, b) => Buffer.compare(a, b));
};

const world = () => given({ validators, miners, vault });

/** Commits window 1's traps at height 2 (2 of 3), submits in window 1 with `lazy` answering wrong, advances to its close (20). */
const trappedWindow = (lazy: string) => {
  const chain = world();
  chain.block();
  accepted(chain, command("commitTrapJobs", { validator: addr("remes1val0"), window: 1, commitments: commitments() }), command("commitTrapJobs", { validator: addr("remes1val1"), window: 1, commitments: commitments() }));
  chain.advanceTo(11); // window 1 opens
  const answer = (m: string) => (m === lazy ? hashOf("made-up") : vault[shardOf(chain, m)]!);
  accepted(chain, ...Object.keys(miners).map((m) => submission(chain, m, answer(m))));
  chain.advanceTo(20);
  const shard = shardOf(chain, lazy, 1);
  const peer = Object.keys(miners).find((m) => m !== lazy && shardOf(chain, m, 1) === shard)!;
  return { chain, shard, peer };
};

const reveal = (shard: number, validator = addr("remes1val0"), s = salt(shard)) =>
  command("revealTrapJobs", { validator, window: 1, reveals: [{ shard, vaultEntryId: shard, salt: s }] });

const minerStake = (chain: MockChain, m: string) => chain.state.roles.get(roleKey(Role.MINER, m))!.stake;

describe("trap jobs", () => {
  it("the trap committee is the top 3 validators by stake", () => {
    expect(trapCommittee(world().state)).toEqual([addr("remes1val0"), addr("remes1val1"), addr("remes1val2")]);
  });

  it("a validator outside the top 3 can not approve trap commitments", () => {
    const chain = world();
    chain.block();
    rejected(chain, command("commitTrapJobs", { validator: addr("remes1val3"), window: 1, commitments: commitments() }), "notSelected");
  });

  it("one approval is not enough; the second identical approval makes the commitments binding", () => {
    const chain = world();
    chain.block();
    const first = accepted(chain, command("commitTrapJobs", { validator: addr("remes1val2"), window: 1, commitments: commitments() }));
    expect(eventsOf(first, "trapCommitmentApproved")).toHaveLength(1);
    expect(eventsOf(first, "trapCommitmentAccepted")).toEqual([]);
    expect(chain.state.traps.get(1)!.accepted).toBeUndefined();
    rejected(chain, command("commitTrapJobs", { validator: addr("remes1val2"), window: 1, commitments: commitments() }), "duplicate");
    const second = accepted(chain, command("commitTrapJobs", { validator: addr("remes1val0"), window: 1, commitments: commitments() }));
    expect(eventsOf(second, "trapCommitmentAccepted")).toEqual([expect.objectContaining({ window: 1, committee: [addr("remes1val0"), addr("remes1val2")] })]);
  });

  it("two approvals of different lists do not make either binding", () => {
    const chain = world();
    chain.block();
    const other = commitments().reverse();
    accepted(chain, command("commitTrapJobs", { validator: addr("remes1val0"), window: 1, commitments: commitments() }));
    const r = accepted(chain, command("commitTrapJobs", { validator: addr("remes1val1"), window: 1, commitments: other }));
    expect(eventsOf(r, "trapCommitmentAccepted")).toEqual([]);
  });

  it("a commitment list of the wrong length is rejected", () => {
    const chain = world();
    chain.block();
    rejected(chain, command("commitTrapJobs", { validator: addr("remes1val0"), window: 1, commitments: commitments().slice(1) }), "invalidMessage");
  });

  it("a lazy miner who skips the trap job is slashed 50% after the reveal, split burn / community pool; its honest peer is not", () => {
    const { chain, shard, peer } = trappedWindow(addr("remes1miner0"));
    const burnedBefore = chain.state.supply.burned;
    const poolBefore = balance(chain, ModuleAccount.communityPool);
    const events = accepted(chain, reveal(shard)); // height 21
    expect(eventsOf(events, "trapRevealed")).toEqual([
      event("trapRevealed", { window: 1, shard, vaultEntryId: shard, expectedHash: vault[shard]!, caught: [addr("remes1miner0")], passed: [peer] }).value,
    ]);
    expect(eventsOf(events, "slashed")).toEqual([
      event("slashed", {
        address: addr("remes1miner0"), role: Role.MINER, offence: Offence.LAZY_MINING, offenceKey: `trap/1/${addr("remes1miner0")}`,
        amount: 1_000n * REMES, burned: 500n * REMES, toCommunity: 500n * REMES, beneficiary: "", toBeneficiary: 0n,
      }).value,
    ]);
    expect(minerStake(chain, addr("remes1miner0"))).toBe(1_000n * REMES);
    expect(minerStake(chain, peer)).toBe(2_000n * REMES);
    expect(chain.state.supply.burned - burnedBefore).toBe(500n * REMES);
    expect(balance(chain, ModuleAccount.communityPool) - poolBefore).toBe(500n * REMES);
    expect(chain.state.stats).toEqual({ trapsRevealed: 1, minersCaught: 1, minersPassed: 1 });
    expect(chain.state.vault.has(shard)).toBe(false); // a revealed answer can not be a trap again
  });

  it("a miner who answers the trap correctly is not slashed", () => {
    const { chain, shard } = trappedWindow(addr("remes1miner0"));
    const other = [0, 1, 2, 3].find((s) => s !== shard && Object.keys(miners).some((m) => shardOf(chain, m, 1) === s))!;
    const events = accepted(chain, reveal(other));
    expect(eventsOf(events, "trapRevealed")[0]!.caught).toEqual([]);
    expect(eventsOf(events, "trapRevealed")[0]!.passed).toHaveLength(2);
    expect(eventsOf(events, "slashed")).toEqual([]);
  });

  it("a reveal before the window closes is rejected", () => {
    const chain = world();
    chain.block();
    accepted(chain, command("commitTrapJobs", { validator: addr("remes1val0"), window: 1, commitments: commitments() }), command("commitTrapJobs", { validator: addr("remes1val1"), window: 1, commitments: commitments() }));
    chain.advanceTo(19);
    rejected(chain, reveal(0), "wrongPhase"); // height 20: window 1 closes only at the end of this block
  });

  it("a reveal after the reveal period is rejected", () => {
    const { chain, shard } = trappedWindow(addr("remes1miner0"));
    rejected(chain, reveal(shard), "wrongPhase", 26);
  });

  it("a reveal that opens no commitment is rejected with mismatch", () => {
    const { chain, shard } = trappedWindow(addr("remes1miner0"));
    rejected(chain, reveal(shard, addr("remes1val0"), hashParts("wrong salt")), "mismatch");
  });

  it("a reveal by a validator that did not commit the traps is unauthorized", () => {
    const { chain, shard } = trappedWindow(addr("remes1miner0"));
    rejected(chain, reveal(shard, addr("remes1val2")), "unauthorized");
  });

  it("a shard revealed twice is rejected as a duplicate", () => {
    const { chain, shard } = trappedWindow(addr("remes1miner0"));
    accepted(chain, reveal(shard));
    rejected(chain, reveal(shard, addr("remes1val1")), "duplicate");
  });
});
