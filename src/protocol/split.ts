/**
 * Assertions where money moves: a block step that splits an amount (a
 * slash among beneficiary, burn and community pool; a dispute bond among
 * verifiers, refund, winner, pool and burn) checks that its parts are
 * non-negative and sum to the whole before it emits the event that moves
 * them. A rounding slip then stops the block with an error naming the step,
 * instead of surfacing later as a supply mismatch the invariant checker
 * (invariants.ts) can only pin to the block. As validator-rewards.ts asserts
 * its own split.
 */
export const assertSplit = (step: string, whole: bigint, parts: readonly bigint[]): void => {
  let sum = 0n;
  for (const part of parts) {
    if (part < 0n)
      throw new Error(`${step}: a negative part (${parts.join(" + ")}) in the split of ${whole}`);
    sum += part;
  }
  if (sum !== whole)
    throw new Error(
      `${step}: the split of ${whole} does not add up (${parts.join(" + ")} = ${sum})`,
    );
};
