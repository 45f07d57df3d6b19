import { describe, expect, it } from "vitest";
import { Offence, Role } from "../../src/gen/remes/v1/types_pb.ts";
import { command } from "../../src/protocol/commands.ts";
import { event } from "../../src/protocol/events.ts";
import { hashParts } from "../../src/protocol/randomness.ts";
import { hex, ModuleAccount, roleKey } from "../../src/protocol/state.ts";
import { DisputeOutcome, RewardKind } from "../../src/gen/remes/v1/events_pb.ts";
import { trapCommittee, trapCommitment } from "../../src/protocol/traps.ts";
import {
  accepted,
  balance,
  eventsOf,
  given,
  hashOf,
  MockChain,
  REMES,
  rejected,
  shardOf,
  submission,
  submitted,
} from "./given.ts";
import { labelAddress as addr } from "../../src/protocol/address.ts";

const validators = {
  [addr("remes1val0")]: 40_000n,
  [addr("remes1val1")]: 35_000n,
  [addr("remes1val2")]: 30_000n,
  [addr("remes1val3")]: 25_000n,
};
const miners = {
  [addr("remes1miner0")]: 2_000n,
  [addr("remes1miner1")]: 2_000n,
  [addr("remes1miner2")]: 2_000n,
  [addr("remes1miner3")]: 2_000n,
};
const vault = [0, 1, 2, 3].map((i) => hashOf(`vault-${i}`));
const salt = (shard: number) => hashParts("salt", shard);

/** Window 1's traps: every shard s is a trap (tag s), padded with dummies. */
const commitments = (): Uint8Array[] => {
  const real = [0, 1, 2, 3].map((s) => trapCommitment(1, s, s, salt(s)));
  return [...real, hashParts("dummy", 0), hashParts("dummy", 1)].sort((a, b) =>
    Buffer.compare(a, b),
  );
};

const world = () => given({ validators, miners, vault });

/** The right gradient hash of window 1's job on `shard` (what a panel recomputes). */
const right = (shard: number) => hashOf(`right-${shard}`);

/**
 * Commits window 1's traps at height 2 (2 of 3); in window 1 every miner of `lazy`'s shard submits the same made-up
 * hash (so tier 1 sees them agree: a coalition holding the shard), the others the right one (committed at 12, revealed
 * at 21); advances to its close (22, after gradient_reveal_blocks 2).
 */
const trappedWindow = (lazy: string) => {
  const chain = world();
  chain.block();
  accepted(
    chain,
    command("commitTrapJobs", {
      validator: addr("remes1val0"),
      window: 1,
      commitments: commitments(),
    }),
    command("commitTrapJobs", {
      validator: addr("remes1val1"),
      window: 1,
      commitments: commitments(),
    }),
  );
  chain.advanceTo(11); // window 1 opens
  const shard = shardOf(chain, lazy);
  const answer = (m: string) =>
    shardOf(chain, m) === shard ? hashOf("made-up") : right(shardOf(chain, m));
  submitted(chain, ...Object.keys(miners).map((m) => submission(chain, m, answer(m))));
  chain.advanceTo(22);
  const peer = Object.keys(miners).find((m) => m !== lazy && shardOf(chain, m, 1) === shard)!;
  return { chain, shard, peer };
};

/** Every panel member of every open dispute recomputes window 1's job on the disputed shard: the right hash. */
const recompute = (chain: MockChain) => {
  const cmds = [...chain.state.disputes.values()].flatMap((d) => {
    const s = chain.state.submissions.get(d.subjectId)!;
    return d.panel.map((validator) =>
      command("submitArbitrationVerdict", {
        validator,
        disputeId: d.id,
        valid: hex(s.gradientHash) === hex(right(s.shard)),
        recomputedHash: right(s.shard),
      }),
    );
  });
  return accepted(chain, ...cmds);
};

const reveal = (shard: number, validator = addr("remes1val0"), s = salt(shard)) =>
  command("revealTrapJobs", {
    validator,
    window: 1,
    reveals: [{ shard, vaultEntryId: BigInt(shard), salt: s }],
  });

const minerStake = (chain: MockChain, m: string) =>
  chain.state.roles.get(roleKey(Role.MINER, m))!.stake;

describe("trap jobs", () => {
  it("the trap committee is the top 3 validators by stake", () => {
    expect(trapCommittee(world().state)).toEqual([
      addr("remes1val0"),
      addr("remes1val1"),
      addr("remes1val2"),
    ]);
  });

  it("a validator outside the top 3 can not approve trap commitments", () => {
    const chain = world();
    chain.block();
    rejected(
      chain,
      command("commitTrapJobs", {
        validator: addr("remes1val3"),
        window: 1,
        commitments: commitments(),
      }),
      "notSelected",
    );
  });

  it("one approval is not enough; the second identical approval makes the commitments binding", () => {
    const chain = world();
    chain.block();
    const first = accepted(
      chain,
      command("commitTrapJobs", {
        validator: addr("remes1val2"),
        window: 1,
        commitments: commitments(),
      }),
    );
    expect(eventsOf(first, "trapCommitmentApproved")).toHaveLength(1);
    expect(eventsOf(first, "trapCommitmentAccepted")).toEqual([]);
    expect(chain.state.traps.get(1)!.accepted).toBeUndefined();
    rejected(
      chain,
      command("commitTrapJobs", {
        validator: addr("remes1val2"),
        window: 1,
        commitments: commitments(),
      }),
      "duplicate",
    );
    const second = accepted(
      chain,
      command("commitTrapJobs", {
        validator: addr("remes1val0"),
        window: 1,
        commitments: commitments(),
      }),
    );
    expect(eventsOf(second, "trapCommitmentAccepted")).toEqual([
      expect.objectContaining({ window: 1n, committee: [addr("remes1val0"), addr("remes1val2")] }),
    ]);
  });

  it("two approvals of different lists do not make either binding", () => {
    const chain = world();
    chain.block();
    const other = commitments().reverse();
    accepted(
      chain,
      command("commitTrapJobs", {
        validator: addr("remes1val0"),
        window: 1,
        commitments: commitments(),
      }),
    );
    const r = accepted(
      chain,
      command("commitTrapJobs", { validator: addr("remes1val1"), window: 1, commitments: other }),
    );
    expect(eventsOf(r, "trapCommitmentAccepted")).toEqual([]);
  });

  it("a commitment list of the wrong length is rejected", () => {
    const chain = world();
    chain.block();
    rejected(
      chain,
      command("commitTrapJobs", {
        validator: addr("remes1val0"),
        window: 1,
        commitments: commitments().slice(1),
      }),
      "invalidMessage",
    );
  });

  it("a reveal slashes no one by itself: it sends every live submission of the trap shard to tier-3 recomputation", () => {
    const { chain, shard, peer } = trappedWindow(addr("remes1miner0"));
    const events = accepted(chain, reveal(shard)); // height 23
    expect(eventsOf(events, "trapRevealed")).toEqual([
      event("trapRevealed", {
        window: 1,
        shard,
        vaultEntryId: shard,
        expectedHash: new Uint8Array(0),
        caught: [],
        passed: [],
      }).value,
    ]);
    const audited = eventsOf(events, "disputeOpened")
      .map((d) => chain.state.submissions.get(Number(d.subjectId))!.miner)
      .sort();
    expect(audited).toEqual([addr("remes1miner0"), peer].sort());
    expect(
      eventsOf(events, "disputeOpened").every(
        (d) => d.tier === 3 && d.challenger === "" && d.bond === 0n,
      ),
    ).toBe(true);
    expect(eventsOf(events, "slashed")).toEqual([]);
    expect(chain.state.stats.trapsRevealed).toBe(1);
  });

  it("miners who agreed on a wrong hash are slashed 50% once the panel's recomputation contradicts them, split burn / community pool", () => {
    const { chain, shard, peer } = trappedWindow(addr("remes1miner0"));
    accepted(chain, reveal(shard));
    const burnedBefore = chain.state.supply.burned;
    const poolBefore = balance(chain, ModuleAccount.communityPool);
    const events = recompute(chain);
    expect(eventsOf(events, "disputeResolved").map((d) => d.outcome)).toEqual([
      DisputeOutcome.REJECTED,
      DisputeOutcome.REJECTED,
    ]);
    const slashed = eventsOf(events, "slashed");
    expect(slashed.map((e) => [e.address, e.offence, e.amount]).sort()).toEqual(
      [
        [addr("remes1miner0"), Offence.LAZY_MINING, 1_000n * REMES],
        [peer, Offence.LAZY_MINING, 1_000n * REMES],
      ].sort(),
    );
    expect(minerStake(chain, addr("remes1miner0"))).toBe(1_000n * REMES);
    expect([chain.state.stats.minersCaught, chain.state.stats.minersPassed]).toEqual([2, 0]);
    expect(chain.state.supply.burned - burnedBefore).toBe(1_000n * REMES);
    expect(balance(chain, ModuleAccount.communityPool) - poolBefore).toBe(1_000n * REMES);
    // A trap audit is a protocol audit: the panel members who voted with the outcome are minted their pay (disputes.ts).
    expect(eventsOf(events, "verifierPaid")).toEqual([]);
    expect(
      eventsOf(events, "rewardMinted").filter((m) => m.kind === RewardKind.VALIDATOR).length,
    ).toBeGreaterThan(0);
  });

  it("miners whose hash the panel recomputes are not slashed, and only then does their job enter the vault (at settlement)", () => {
    const { chain, shard } = trappedWindow(addr("remes1miner0"));
    const other = [0, 1, 2, 3].find(
      (s) => s !== shard && Object.keys(miners).some((m) => shardOf(chain, m, 1) === s),
    )!;
    const events = accepted(chain, reveal(other));
    expect(eventsOf(events, "disputeOpened").length).toBeGreaterThan(0);
    const resolved = recompute(chain);
    expect(
      eventsOf(resolved, "disputeResolved").every((d) => d.outcome === DisputeOutcome.UPHELD),
    ).toBe(true);
    expect(eventsOf(resolved, "slashed")).toEqual([]);
    // Every miner of the trap shard passed it (the node's Query/TrapStats answers these).
    expect(chain.state.stats.minersPassed).toBe(eventsOf(resolved, "disputeResolved").length);
    expect(chain.state.stats.minersCaught).toBe(0);
    const before = chain.state.vault.size;
    chain.advanceTo(chain.state.windows.get(1)!.settleHeight);
    const added = [...chain.state.vault.values()].filter((v) => v.window === 1);
    expect(chain.state.vault.size).toBe(before + 1);
    expect(added.map((v) => [v.shard, hex(v.gradientHash)])).toEqual([[other, hex(right(other))]]);
  });

  it("a job two miners agree on but no panel recomputed never enters the vault", () => {
    const { chain, shard } = trappedWindow(addr("remes1miner0"));
    // No reveal: the coalition's shard (and every other) stays unaudited.
    chain.advanceTo(chain.state.windows.get(1)!.settleHeight);
    expect([...chain.state.vault.values()].filter((v) => v.window === 1)).toEqual([]);
    expect(shard).toBeGreaterThanOrEqual(0);
  });

  it("a reveal before the window closes is rejected", () => {
    const chain = world();
    chain.block();
    accepted(
      chain,
      command("commitTrapJobs", {
        validator: addr("remes1val0"),
        window: 1,
        commitments: commitments(),
      }),
      command("commitTrapJobs", {
        validator: addr("remes1val1"),
        window: 1,
        commitments: commitments(),
      }),
    );
    chain.advanceTo(19);
    rejected(chain, reveal(0), "wrongPhase"); // height 20: window 1's last block
    // Nor in its gradient reveal period: a miner could withhold its reveal on a known trap shard.
    chain.advanceTo(21);
    rejected(chain, reveal(0), "wrongPhase"); // height 22: window 1 closes only at the end of this block
  });

  it("a reveal after the reveal period is rejected", () => {
    const { chain, shard } = trappedWindow(addr("remes1miner0"));
    rejected(chain, reveal(shard), "wrongPhase", 28);
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
