import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { giniBps } from "../../../src/sim/outputs/gini.ts";

const stakes = fc.array(fc.bigInt({ min: 0n, max: 10n ** 15n }), { minLength: 1, maxLength: 60 });

describe("giniBps", () => {
  it("is 0 for equal stakes and for no stake at all", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 18n }),
        fc.integer({ min: 1, max: 50 }),
        (x, n) => giniBps(Array(n).fill(x)) === 0,
      ),
    );
    expect(giniBps([])).toBe(0);
  });

  it("is (n−1)/n when one holder has everything", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.bigInt({ min: 1n, max: 10n ** 18n }),
        (n, x) => {
          const xs = Array<bigint>(n).fill(0n);
          xs[0] = x;
          return giniBps(xs) === Math.floor(((n - 1) * 10_000) / n);
        },
      ),
    );
  });

  it("stays within [0, 10000), ignores order, and ignores scale", () => {
    fc.assert(
      fc.property(stakes, fc.bigInt({ min: 1n, max: 1000n }), (xs, k) => {
        const g = giniBps(xs);
        expect(g).toBeGreaterThanOrEqual(0);
        expect(g).toBeLessThan(10_000);
        expect(giniBps([...xs].reverse())).toBe(g);
        expect(giniBps(xs.map((x) => x * k))).toBe(g);
      }),
    );
  });

  it("matches the mean absolute difference definition Σ|xi−xj| / (2·n²·mean)", () => {
    fc.assert(
      fc.property(stakes, (xs) => {
        const total = xs.reduce((a, b) => a + b, 0n);
        if (total === 0n) return true;
        let diff = 0n;
        for (const a of xs) for (const b of xs) diff += a > b ? a - b : b - a;
        const n = BigInt(xs.length);
        return giniBps(xs) === Number((diff * 10_000n) / (2n * n * total));
      }),
    );
  });

  it("refuses negative stakes", () => {
    expect(() => giniBps([1n, -1n])).toThrow(/negative/);
  });
});
