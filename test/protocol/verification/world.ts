/** A small world for the verification tiers: 4 validators, 4 honest miners, a funded challenger. */
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { ParamsSchema } from "../../../src/gen/remes/v1/params_pb.ts";
import { command } from "../../../src/protocol/commands.ts";
import { accepted, given, hashOf, REMES, shardOf, submission, submitted } from "../given.ts";
import { labelAddress as addr } from "../../../src/protocol/address.ts";

export const validators = {
  [addr("remes1val0")]: 40_000n,
  [addr("remes1val1")]: 35_000n,
  [addr("remes1val2")]: 30_000n,
  [addr("remes1val3")]: 25_000n,
};
export const miners = [
  addr("remes1miner0"),
  addr("remes1miner1"),
  addr("remes1miner2"),
  addr("remes1miner3"),
];
export const CHALLENGER = addr("remes1challenger");
export const CLAIMED_LOSS = 2_000_000n;
/** challenge_bond_multiplier (10) × base_miner_reward (10 REMES). */
export const BOND = 100n * REMES;
/** The height of the challenge: the block after window 0 closes (its last block 10, then gradient_reveal_blocks 2). */
export const CHALLENGED_AT = 13;

/**
 * Window 0 opens at 1; all miners commit to honest gradients at 2 and reveal them at 11 (miner0's is submission 0);
 * window 0 closes at 12 and the challenger challenges submission 0 at 13 (challenges open at the close, tier2.ts).
 */
export const challenged = (params: MessageInitShape<typeof ParamsSchema> = {}) => {
  const chain = given({
    validators,
    miners: Object.fromEntries(miners.map((m) => [m, 2_000n])),
    accounts: { [CHALLENGER]: 1_000n },
    params: { validatorVerificationReward: 1n * 1_000_000n, ...params },
  }); // 1 REMES: the pay figures below
  chain.block();
  submitted(
    chain,
    ...miners.map((m) =>
      submission(chain, m, hashOf(`gradient/0/${shardOf(chain, m)}`), 0, CLAIMED_LOSS),
    ),
  );
  chain.advanceTo(CHALLENGED_AT - 1);
  const opened = accepted(
    chain,
    command("challengeGradient", { challenger: CHALLENGER, submissionId: 0, bond: BOND }),
  );
  return { chain, opened };
};
