/**
 * A tier-1 hash mismatch is decided by recomputing the gradient (seed 002
 * §4.4, §10.2), not by a loss vote: a stale or made-up update that copies a
 * correct claimed loss passes any loss check, so only the hash can convict it.
 */
import { describe, expect, it } from "vitest";
import { DisputeOutcome, SubmissionStatus } from "../../../src/gen/remes/v1/events_pb.ts";
import { Offence, Role } from "../../../src/gen/remes/v1/types_pb.ts";
import { command } from "../../../src/protocol/commands.ts";
import type { ProtocolEvent } from "../../../src/protocol/events.ts";
import { roleKey } from "../../../src/protocol/state.ts";
import {
  accepted,
  allEvents,
  balance,
  eventsOf,
  given,
  hashOf,
  REMES,
  rejected,
  submission,
  submitted,
} from "../given.ts";
import { BOND, CLAIMED_LOSS, validators } from "./world.ts";
import { labelAddress as addr } from "../../../src/protocol/address.ts";

const honest = [addr("remes1miner0"), addr("remes1miner1"), addr("remes1miner2")];
const copier = addr("remes1copier");
const WATCHDOG = addr("remes1watchdog");
const RIGHT = hashOf("gradient/0/0");
const STALE = hashOf("gradient/stale");

/** One shard, so all four miners' work is compared; the copier resubmits a stale update with the honest claimed loss. */
const givenACopiedLoss = (stale = STALE) => {
  const chain = given({
    validators,
    miners: Object.fromEntries([...honest, copier].map((m) => [m, 2_000n])),
    accounts: { [WATCHDOG]: 1_000n },
    params: { totalShards: 1, tier3DeadlineBlocks: 5 },
  });
  chain.block(); // 1: window 0 opens
  submitted(
    chain,
    ...honest.map((m) => submission(chain, m, RIGHT, 0, CLAIMED_LOSS)),
    submission(chain, copier, stale, 0, CLAIMED_LOSS),
  );
  return chain;
};

/**
 * Every validator does its job honestly, whatever tier the dispute is at:
 * a loss check measures the (correct, copied) loss; a panel member recomputes
 * the gradient and reports the right hash.
 */
const honestValidatorsUntilResolved = (
  chain: ReturnType<typeof givenACopiedLoss>,
  disputeId: number,
): ProtocolEvent[] => {
  const seen: ProtocolEvent[] = [];
  for (let i = 0; i < 20 && chain.state.disputes.has(disputeId); i++) {
    const d = chain.state.disputes.get(disputeId)!;
    const cmds =
      d.tier === 2
        ? Object.keys(validators)
            .filter((v) => !d.lossVotes.has(v))
            .map((validator) =>
              command("voteLossCheck", { validator, disputeId, computedLossMicro: CLAIMED_LOSS }),
            )
        : d.panel
            .filter((v) => !d.verdicts.has(v))
            .map((validator) =>
              command("submitArbitrationVerdict", {
                validator,
                disputeId,
                valid: false,
                recomputedHash: RIGHT,
              }),
            );
    seen.push(...(cmds.length > 0 ? accepted(chain, ...cmds) : chain.block().events));
  }
  return seen;
};

describe("a tier-1 hash mismatch with a copied loss", () => {
  it("is rejected by recomputation and slashed; a later challenger has nothing left to lose its bond on", () => {
    // Given a copier whose stale hash tier 1 flags, with the honest claimed loss.
    const chain = givenACopiedLoss();
    const copierSub = [...chain.state.submissions.values()].find((s) => s.miner === copier)!;
    const stakeBefore = chain.state.roles.get(roleKey(Role.MINER, copier))!.stake;

    // When the window closes and the honest validators settle the protocol's dispute.
    chain.advanceTo(12); // window 0 closes (its last block 10, then gradient_reveal_blocks 2)
    const [opened] = eventsOf(allEvents(chain), "disputeOpened");
    expect(opened).toMatchObject({ subjectId: BigInt(copierSub.id), challenger: "", bond: 0n });
    const events = honestValidatorsUntilResolved(chain, Number(opened!.disputeId));

    // Then the dispute is rejected at tier 3, the copier slashed, its submission never paid.
    expect(eventsOf(events, "disputeResolved")).toEqual([
      expect.objectContaining({ outcome: DisputeOutcome.REJECTED, tier: 3 }),
    ]);
    expect(eventsOf(events, "slashed")).toEqual([
      expect.objectContaining({ address: copier, role: Role.MINER, offence: Offence.LAZY_MINING }),
    ]);
    expect(chain.state.roles.get(roleKey(Role.MINER, copier))!.stake).toBeLessThan(stakeBefore);
    expect(chain.state.submissions.get(copierSub.id)!.status).toBe(SubmissionStatus.REJECTED);
    // And a watchdog challenging the flagged submission is refused instead of losing its bond.
    rejected(
      chain,
      command("challengeGradient", {
        challenger: WATCHDOG,
        submissionId: copierSub.id,
        bond: BOND,
      }),
      "wrongPhase",
    );
    expect(balance(chain, WATCHDOG)).toBe(1_000n * REMES);
  });

  it("a verdict on a gradient must carry a 32-byte recomputed hash that agrees with its `valid` flag; the chain decides validity by comparing hashes", () => {
    const chain = givenACopiedLoss();
    chain.advanceTo(12); // window 0 closes (its last block 10, then gradient_reveal_blocks 2)
    const d = [...chain.state.disputes.values()][0]!;
    const [p] = d.panel;
    rejected(
      chain,
      command("submitArbitrationVerdict", { validator: p!, disputeId: d.id, valid: false }),
      "invalidMessage",
    );
    rejected(
      chain,
      command("submitArbitrationVerdict", {
        validator: p!,
        disputeId: d.id,
        valid: true,
        recomputedHash: RIGHT,
      }),
      "invalidMessage",
    );
    rejected(
      chain,
      command("submitArbitrationVerdict", {
        validator: p!,
        disputeId: d.id,
        valid: false,
        recomputedHash: STALE,
      }),
      "invalidMessage",
    );
    const cast = eventsOf(
      accepted(
        chain,
        command("submitArbitrationVerdict", {
          validator: p!,
          disputeId: d.id,
          valid: false,
          recomputedHash: RIGHT,
        }),
      ),
      "arbitrationVerdictCast",
    );
    expect(cast).toEqual([
      expect.objectContaining({ validator: p, valid: false, recomputedHash: RIGHT }),
    ]);
  });

  it("a panel split is decided by a strict majority of the panel's stake: a lone heavy dissenter does not save the copy", () => {
    const chain = givenACopiedLoss();
    chain.advanceTo(12); // window 0 closes (its last block 10, then gradient_reveal_blocks 2)
    const d = [...chain.state.disputes.values()][0]!;
    const stake = (v: string) => chain.state.roles.get(roleKey(Role.VALIDATOR, v))!.stake;
    const [heavy, ...rest] = [...d.panel].sort((a, b) =>
      stake(b) > stake(a) ? 1 : stake(b) < stake(a) ? -1 : 0,
    );
    // The heaviest member echoes the copier's hash; the others recompute the right one and together hold more stake.
    expect(rest.reduce((t, v) => t + stake(v), 0n)).toBeGreaterThan(stake(heavy!));
    const r = chain.exec(
      command("submitArbitrationVerdict", {
        validator: heavy!,
        disputeId: d.id,
        valid: true,
        recomputedHash: STALE,
      }),
      ...rest.map((validator) =>
        command("submitArbitrationVerdict", {
          validator,
          disputeId: d.id,
          valid: false,
          recomputedHash: RIGHT,
        }),
      ),
    );
    expect(eventsOf(r.events, "disputeResolved")).toEqual([
      expect.objectContaining({ outcome: DisputeOutcome.REJECTED }),
    ]);
    expect(eventsOf(r.events, "slashed").map((s) => [s.address, s.offence])).toEqual([
      [copier, Offence.LAZY_MINING],
      [heavy, Offence.FALSE_VERIFICATION],
    ]);
  });
});
