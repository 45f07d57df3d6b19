/**
 * Gradient commit–reveal (src/protocol/gradient-commits.ts): the checks of
 * MsgCommitGradient and of the reveal (MsgSubmitGradient with its salt), the
 * expiry of an unrevealed commitment, and the bounded state.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Offence, Role } from "../../src/gen/remes/v1/types_pb.ts";
import { roleKey } from "../../src/protocol/state.ts";
import { stateRoot } from "../../src/protocol/apphash.ts";
import { command, type ProtocolCommand } from "../../src/protocol/commands.ts";
import { isProtocolError } from "../../src/protocol/errors.ts";
import { gradientCommitment } from "../../src/protocol/gradient-commits.ts";
import { decide } from "../../src/protocol/machine.ts";
import { labelAddress as addr } from "../../src/protocol/address.ts";
import {
  accepted,
  commitmentOf,
  eventsOf,
  given,
  hashOf,
  REMES,
  rejected,
  revealPhase,
  shardOf,
  submission,
  submitted,
} from "./given.ts";

const validators = { [addr("remes1val0")]: 40_000n, [addr("remes1val1")]: 35_000n };
const miners = [addr("remes1miner0"), addr("remes1miner1"), addr("remes1miner2")];
const [A, B, C] = miners as [string, string, string];

const world = () => {
  const chain = given({ validators, miners: Object.fromEntries(miners.map((m) => [m, 2_000n])) });
  chain.block(); // window 0 opens at height 1
  return chain;
};

const withField = (sub: ProtocolCommand, over: Record<string, unknown>): ProtocolCommand => {
  if (sub.case !== "submitGradient") throw new Error("not a submission");
  return command("submitGradient", { ...sub.value, ...over } as never);
};

describe("MsgCommitGradient", () => {
  it("given an open window, when an assigned miner commits, then the commitment is recorded once and a second one is refused", () => {
    const chain = world();
    const sub = submission(chain, A, hashOf("g/A"), 0);
    const events = accepted(chain, commitmentOf(sub));
    expect(eventsOf(events, "gradientCommitted")).toHaveLength(1);
    expect(chain.state.windows.get(0)!.commitments.get(A)).toEqual(
      sub.case === "submitGradient" && gradientCommitment(sub.value),
    );
    // Never replaced, not even by a commitment to other work.
    rejected(chain, commitmentOf(submission(chain, A, hashOf("other"), 0)), "duplicate");
  });

  it("refuses a non-miner, a wrong shard, a window not open, a commitment of the wrong size, and commits after the window's last block", () => {
    const chain = world();
    const shard = shardOf(chain, A, 0);
    const commit = (over: Record<string, unknown>) =>
      command("commitGradient", {
        miner: A,
        window: 0,
        shard,
        commitment: new Uint8Array(32),
        ...over,
      } as never);
    rejected(chain, commit({ miner: addr("remes1nobody") }), "unauthorized");
    rejected(chain, commit({ shard: shard + 1 }), "wrongShard");
    rejected(chain, commit({ window: 1 }), "wrongPhase");
    for (const n of [0, 31, 33, 64])
      rejected(chain, commit({ commitment: new Uint8Array(n) }), "invalidMessage");
    revealPhase(chain, 0);
    const late = rejected(chain, commit({}), "wrongPhase");
    expect(late.message).toMatch(/commit phase ended/);
  });
});

describe("the reveal (MsgSubmitGradient with its salt)", () => {
  it("given a commitment, when the miner reveals in the reveal period, then the submission is accepted and the commitment consumed", () => {
    const chain = world();
    const sub = submission(chain, A, hashOf("g/A"), 0);
    const events = submitted(chain, sub);
    const s = eventsOf(events, "gradientSubmitted");
    expect(s).toHaveLength(1);
    expect(s[0]!.miner).toBe(A);
    const w = chain.state.windows.get(0)!;
    expect(w.submittedBy.has(A)).toBe(true);
    expect(w.commitments.has(A)).toBe(false);
    expect(chain.height).toBeGreaterThan(w.commitEndHeight);
    expect(chain.height).toBeLessThanOrEqual(w.closeHeight);
  });

  it("refuses a reveal during the commit phase, without a commitment, after the close, with a wrong salt, and any changed field", () => {
    const chain = world();
    const sub = submission(chain, A, hashOf("g/A"), 0);
    // In the commit phase: the reveal waits for the window's last block.
    rejected(chain, sub, "wrongPhase");
    accepted(chain, commitmentOf(sub));
    rejected(chain, sub, "wrongPhase");
    revealPhase(chain, 0);
    // No commitment: B committed nothing.
    rejected(chain, submission(chain, B, hashOf("g/B"), 0), "notFound");
    // Wrong salt, a salt of the wrong size, another hash, another loss, another CID.
    rejected(chain, withField(sub, { salt: hashOf("guess") }), "mismatch");
    rejected(chain, withField(sub, { salt: new Uint8Array(31) }), "invalidMessage");
    rejected(chain, withField(sub, { gradientHash: hashOf("copy") }), "mismatch");
    rejected(chain, withField(sub, { claimedLossMicro: 1n }), "mismatch");
    const other = submission(chain, A, hashOf("copy"), 0);
    rejected(
      chain,
      withField(sub, { gradientCid: (other.value as { gradientCid: string }).gradientCid }),
      "mismatch",
    );
    // A refused reveal costs nothing: the right one still opens the commitment.
    accepted(chain, sub);
    // After the close no reveal is taken.
    const c2 = world();
    const late = submission(c2, A, hashOf("g/A"), 0);
    accepted(c2, commitmentOf(late));
    c2.advanceTo(c2.state.windows.get(0)!.closeHeight);
    rejected(c2, late, "wrongPhase");
  });

  it("given a peer's reveal, when a miner that committed to junk reveals the peer's submission under its own name, then it is refused (the copy opens no commitment)", () => {
    const chain = world();
    const shard = shardOf(chain, A, 0);
    const peerWork = hashOf(`gradient/0/${shard}`);
    const honest = submission(chain, A, peerWork, 0);
    const copycatJunk = submission(chain, B, hashOf("junk"), 0);
    accepted(chain, commitmentOf(honest), commitmentOf(copycatJunk));
    revealPhase(chain, 0);
    accepted(chain, honest);
    // The copy: the peer's hash, loss, CID and DA root, the copycat's own address and salt.
    const copy = withField(honest, {
      miner: B,
      shard: shardOf(chain, B, 0),
      salt: (copycatJunk.value as { salt: Uint8Array }).salt,
    });
    expect(rejected(chain, copy, "mismatch").message).toMatch(/does not open/);
    // The peer's own reveal replayed by the copycat is another address's: it is refused too.
    rejected(chain, withField(honest, { miner: B, shard: shardOf(chain, B, 0) }), "mismatch");
  });

  it("property: a reveal is accepted only if every field and the salt equal the committed ones", () => {
    const chain = world();
    const sub = submission(chain, A, hashOf("g/A"), 0);
    accepted(chain, commitmentOf(sub));
    revealPhase(chain, 0);
    const v = sub.value as Record<string, unknown>;
    const ctx = chain.context();
    const before = stateRoot(chain.state);
    fc.assert(
      fc.property(
        fc.constantFrom("gradientHash", "daRoot", "salt", "claimedLossMicro", "sizeBytes"),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.bigInt({ min: 1n, max: 1_000_000n }),
        (field, bytes, n) => {
          const value = v[field] instanceof Uint8Array ? bytes : n;
          const d = decide(chain.state, withField(sub, { [field]: value }), ctx);
          const same =
            value instanceof Uint8Array
              ? Buffer.compare(Buffer.from(value), Buffer.from(v[field] as Uint8Array)) === 0
              : value === v[field];
          expect(isProtocolError(d)).toBe(!same);
        },
      ),
      { numRuns: 200 },
    );
    expect(stateRoot(chain.state)).toEqual(before);
  });
});

describe("window close", () => {
  it("given a commitment never revealed, when the reveal period ends, then it is reported, earns nothing, and is slashed slash_unrevealed_commit_bps once", () => {
    const chain = world();
    const subs = [A, B, C].map((m) =>
      submission(chain, m, hashOf(`gradient/0/${shardOf(chain, m, 0)}`), 0),
    );
    accepted(chain, ...subs.map(commitmentOf));
    revealPhase(chain, 0);
    accepted(chain, subs[0]!, subs[1]!); // C withholds
    const w = chain.state.windows.get(0)!;
    const stakeBefore = chain.state.roles.get(roleKey(Role.MINER, C))?.stake;
    const events: ReturnType<typeof eventsOf<"slashed">> = [];
    const unrevealed: ReturnType<typeof eventsOf<"gradientCommitUnrevealed">> = [];
    while (chain.height < w.closeHeight) {
      const r = chain.block();
      events.push(...eventsOf(r.events, "slashed"));
      unrevealed.push(...eventsOf(r.events, "gradientCommitUnrevealed"));
    }
    expect(unrevealed.map((u) => [u.miner, Number(u.window)])).toEqual([[C, 0]]);
    const slashes = events.filter((e) => e.offence === Offence.UNREVEALED_COMMITMENT);
    expect(slashes).toHaveLength(1);
    expect(slashes[0]!.address).toBe(C);
    const p = chain.state.params;
    expect(slashes[0]!.amount).toBe(
      (2_000n * REMES * BigInt(p.slashUnrevealedCommitBps)) / 10_000n,
    );
    if (stakeBefore !== undefined)
      expect(chain.state.roles.get(roleKey(Role.MINER, C))?.stake).toBe(
        stakeBefore - slashes[0]!.amount,
      );
    expect(chain.state.windows.get(0)!.commitments.size).toBe(0);
    expect(chain.state.windows.get(0)!.submittedBy.has(C)).toBe(false);
  });

  it("bounded state: at most one commitment per assigned miner, none left after the close, all pruned at settlement", () => {
    const chain = world();
    const subs = miners.map((m) => submission(chain, m, hashOf(`g/${m}`), 0));
    accepted(chain, ...subs.map(commitmentOf));
    for (const m of miners)
      rejected(chain, commitmentOf(submission(chain, m, hashOf("again"), 0)), "duplicate");
    const w = chain.state.windows.get(0)!;
    expect(w.commitments.size).toBeLessThanOrEqual(w.assignment.size);
    chain.advanceTo(w.closeHeight);
    expect(chain.state.windows.get(0)!.commitments.size).toBe(0);
    chain.advanceTo(chain.state.windows.get(0)!.settleHeight);
    expect(chain.state.windows.has(0)).toBe(false);
  });
});
