/**
 * A trap job's identity is not derivable from anything public before its
 * reveal: two runs whose trap plans differ (which shards, which vault
 * entries, how many real traps) produce public event logs that are identical
 * up to the opaque commitment bytes, until the reveal.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonical } from "../../src/protocol/apphash.ts";
import { command } from "../../src/protocol/commands.ts";
import { hashParts } from "../../src/protocol/randomness.ts";
import { demoChain } from "../../src/protocol/testing/demo-world.ts";
import { trapCommittee, trapCommitment } from "../../src/protocol/traps.ts";

type Plan = { shard: number; entry: number }[];

const publicLog = (plan: Plan, salt: number) => {
  const chain = demoChain(7);
  chain.block();
  const slots = chain.state.params.trapCommitmentSlots;
  const commitments = plan.map((t, i) =>
    trapCommitment(1, t.shard, t.entry, hashParts("salt", salt, i)),
  );
  while (commitments.length < slots) commitments.push(hashParts("dummy", salt, commitments.length));
  commitments.sort((a, b) => Buffer.compare(a, b));
  const committee = trapCommittee(chain.state);
  chain.exec(
    ...committee
      .slice(0, 2)
      .map((validator) => command("commitTrapJobs", { validator, window: 1, commitments })),
  );
  chain.advanceTo(20); // through window 1, before any reveal
  // Replace exactly the opaque commitment and digest bytes by a placeholder.
  const opaque = new Set<string>();
  for (const e of chain.log.flat()) {
    if (e.case === "trapCommitmentApproved") opaque.add(canonical(e.value.digest));
    if (e.case === "trapCommitmentAccepted")
      for (const c of [e.value.digest, ...e.value.commitments]) opaque.add(canonical(c));
  }
  expect(opaque.size).toBeGreaterThan(0);
  return canonical(chain.log.flat()).replace(/0x[0-9a-f]{64}/g, (h) => (opaque.has(h) ? "H" : h));
};

describe("trap blinding", () => {
  it("public events before the reveal do not depend on which shards are traps", () => {
    const plan = fc.array(
      fc.record({ shard: fc.integer({ min: 0, max: 3 }), entry: fc.integer({ min: 0, max: 3 }) }),
      { maxLength: 6 },
    );
    fc.assert(
      fc.property(plan, plan, fc.nat(1000), (a, b, salt) => {
        expect(publicLog(a, salt)).toBe(publicLog(b, salt + 1));
      }),
      { numRuns: 20 },
    );
  });
});
