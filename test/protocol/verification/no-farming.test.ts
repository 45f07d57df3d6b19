/**
 * Issue 13, "tier-3 panels must decide" and "no self-challenge farming": a
 * silent panel never acquits, a challenge waits for the window to close, a
 * challenger never judges its own dispute, and verification pay comes out of
 * what the loser forfeits, so a dispute over honest work mints nothing.
 * Each test failed on the code before the fix (challenges were accepted while
 * the window was open, a challenger could vote, verifiers were minted
 * validator_verification_reward, an undecided mismatch turned OPTIMISTIC).
 */
import { describe, expect, it } from "vitest";
import { DisputeOutcome, SubmissionStatus } from "../../../src/gen/remes/v1/events_pb.ts";
import { Offence, Role } from "../../../src/gen/remes/v1/types_pb.ts";
import { command } from "../../../src/protocol/commands.ts";
import { roleKey } from "../../../src/protocol/state.ts";
import {
  accepted,
  allEvents,
  eventsOf,
  given,
  hashOf,
  rejected,
  shardOf,
  submission,
  submitted,
} from "../given.ts";
import { BOND, CHALLENGED_AT, CHALLENGER, CLAIMED_LOSS, miners, validators } from "./world.ts";
import { labelAddress as addr } from "../../../src/protocol/address.ts";

const VALIDATOR_CHALLENGER = addr("remes1val0");

/** Window 0 with four honest submissions (revealed at 11), at `height` (window 0 closes at 12). */
const honestWork = (height: number) => {
  const chain = given({
    validators,
    miners: Object.fromEntries(miners.map((m) => [m, 2_000n])),
    accounts: { [CHALLENGER]: 1_000n },
  });
  chain.block();
  submitted(
    chain,
    ...miners.map((m) =>
      submission(chain, m, hashOf(`gradient/0/${shardOf(chain, m)}`), 0, CLAIMED_LOSS),
    ),
  );
  chain.advanceTo(height - 1);
  return chain;
};

describe("no self-challenge farming", () => {
  it("given an open window, when anyone challenges a submission in it, then the challenge is refused until the window closes", () => {
    const chain = honestWork(12); // its reveal period's last block: the window is still open
    rejected(
      chain,
      command("challengeGradient", { challenger: CHALLENGER, submissionId: 0, bond: BOND }),
      "wrongPhase",
    );
    chain.advanceTo(CHALLENGED_AT - 1);
    accepted(
      chain,
      command("challengeGradient", { challenger: CHALLENGER, submissionId: 0, bond: BOND }),
    );
  });

  it("given a validator that challenged a submission, when it votes on its own dispute, then the vote is refused", () => {
    const chain = honestWork(CHALLENGED_AT);
    accepted(
      chain,
      command("challengeGradient", {
        challenger: VALIDATOR_CHALLENGER,
        submissionId: 0,
        bond: BOND,
      }),
    );
    rejected(
      chain,
      command("voteLossCheck", {
        validator: VALIDATOR_CHALLENGER,
        disputeId: 0,
        computedLossMicro: CLAIMED_LOSS,
      }),
      "unauthorized",
    );
  });

  it("given a validator farming challenges against honest work, when every dispute is upheld, then nothing is minted and the farmer loses its bonds", () => {
    const chain = honestWork(CHALLENGED_AT);
    const supplyBefore = chain.state.supply.minted;
    const farmerBefore = chain.state.balances.get(VALIDATOR_CHALLENGER)!;
    const others = Object.keys(validators).filter((v) => v !== VALIDATOR_CHALLENGER);
    const ids = [0, 1, 2];
    accepted(
      chain,
      ...ids.map((submissionId) =>
        command("challengeGradient", {
          challenger: VALIDATOR_CHALLENGER,
          submissionId,
          bond: BOND,
        }),
      ),
    );
    accepted(
      chain,
      ...ids.flatMap((disputeId) =>
        others.map((validator) =>
          command("voteLossCheck", { validator, disputeId, computedLossMicro: CLAIMED_LOSS }),
        ),
      ),
    );
    chain.advanceTo(chain.height + 3);
    const resolved = eventsOf(allEvents(chain), "disputeResolved");
    expect(resolved.map((d) => d.outcome)).toEqual([
      DisputeOutcome.UPHELD,
      DisputeOutcome.UPHELD,
      DisputeOutcome.UPHELD,
    ]);
    expect(
      eventsOf(allEvents(chain), "rewardMinted").filter(
        (r) => r.to === VALIDATOR_CHALLENGER || others.includes(r.to),
      ),
    ).toEqual([]);
    expect(chain.state.supply.minted).toBe(supplyBefore);
    // The verifiers' pay came out of the farmer's bonds: it lost them whole, and was paid nothing.
    expect(farmerBefore - chain.state.balances.get(VALIDATOR_CHALLENGER)!).toBe(3n * BOND);
    const paid = eventsOf(allEvents(chain), "verifierPaid");
    expect(paid.length).toBe(9);
    expect(paid.some((p) => p.validator === VALIDATOR_CHALLENGER)).toBe(false);
  });
});

describe("an undecided dispute is not an acquittal", () => {
  it("given a tier-1 mismatch whose panels stay silent every round, when the last round ends, then the members are slashed and the submission stays MISMATCHED (unpaid)", () => {
    const copier = addr("remes1copier");
    const honest = miners.slice(0, 3);
    const chain = given({
      validators,
      miners: Object.fromEntries([...honest, copier].map((m) => [m, 2_000n])),
      params: { totalShards: 1, tier3MaxRounds: 2 },
    });
    chain.block();
    submitted(
      chain,
      ...honest.map((m) => submission(chain, m, hashOf("right"), 0, CLAIMED_LOSS)),
      submission(chain, copier, hashOf("stale"), 0, CLAIMED_LOSS),
    );
    chain.advanceTo(12);
    const sub = [...chain.state.submissions.values()].find((s) => s.miner === copier)!;
    expect(sub.status).toBe(SubmissionStatus.MISMATCHED);
    // Nobody gives a verdict: round 1 (deadline 17), round 2 (deadline 22), then undecided.
    chain.advanceTo(22);
    const events = allEvents(chain);
    expect(eventsOf(events, "panelRedrawn").map((e) => e.round)).toEqual([2]);
    expect(eventsOf(events, "disputeResolved")).toEqual([
      expect.objectContaining({ outcome: DisputeOutcome.UNDECIDED }),
    ]);
    const noShows = eventsOf(events, "slashed").filter((s) => s.offence === Offence.NO_VERDICT);
    expect(noShows.length).toBe(4);
    expect(chain.state.submissions.get(sub.id)!.status).toBe(SubmissionStatus.MISMATCHED);
    expect(chain.state.roles.get(roleKey(Role.MINER, copier))!.stake).toBe(2_000n * 1_000_000n);
  });
});
