/**
 * Money-moving steps assert their splits (src/protocol/split.ts): parts
 * that sum to the whole pass; one uremes off, or a negative part, stops the
 * block with an error naming the step.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assertSplit } from "../../src/protocol/split.ts";

const split = fc
  .tuple(
    fc.bigInt({ min: 0n, max: 10n ** 24n }),
    fc.array(fc.bigInt({ min: 0n, max: 10_000n }), { minLength: 1, maxLength: 6 }),
  )
  .map(([whole, weights]) => {
    // Cut `whole` by weights, the last part taking the remainder (as the slash and the bond do).
    const total = weights.reduce((a, b) => a + b, 0n) || 1n;
    const parts = weights.slice(0, -1).map((w) => (whole * w) / total);
    parts.push(whole - parts.reduce((a, b) => a + b, 0n));
    return { whole, parts };
  });

describe("assertSplit", () => {
  it("given parts that sum to the whole, then it passes; given one part off by one uremes, then it throws naming the step", () => {
    fc.assert(
      fc.property(split, fc.nat(), fc.constantFrom(-1n, 1n), ({ whole, parts }, i, delta) => {
        expect(() => assertSplit("slash x", whole, parts)).not.toThrow();
        const off = parts.slice();
        const k = i % off.length;
        off[k] = off[k]! + delta;
        if (off[k]! < 0n)
          expect(() => assertSplit("slash x", whole, off)).toThrow(/^slash x: a negative part/);
        else
          expect(() => assertSplit("slash x", whole, off)).toThrow(
            /^slash x: the split of \d+ does not add up/,
          );
      }),
    );
  });

  it("given a negative part that the others make up for, then it still throws", () => {
    expect(() => assertSplit("dispute 7 resolution: bond", 10n, [12n, -2n])).toThrow(
      "dispute 7 resolution: bond: a negative part (12 + -2) in the split of 10",
    );
  });
});
