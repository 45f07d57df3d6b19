import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dot8, expf, fr, logf, rne, sum8 } from "../../src/kernels/f32.ts";

const ulpErr = (got: number, want: number) => Math.abs(got - want) / (Math.abs(want) * 2 ** -23);

describe("canonical float32 arithmetic", () => {
  it("expf is within 2 ulp of exp over the softmax range", () => {
    for (let x = -87; x <= 0; x += 0.0137) {
      const a = fr(x);
      expect(ulpErr(expf(a), Math.exp(a))).toBeLessThan(2);
    }
    expect(expf(0)).toBe(1);
    expect(expf(-200)).toBe(0);
  });

  it("logf is within 2 ulp of log", () => {
    fc.assert(
      fc.property(fc.float({ min: fr(1e-30), max: fr(1e30), noNaN: true }), (x) => {
        const want = Math.log(x);
        if (Math.abs(want) < 1e-3) return; // relative ulp measure breaks down at log ≈ 0
        expect(ulpErr(logf(x), want)).toBeLessThan(2);
      }),
    );
    expect(logf(1)).toBe(0);
  });

  it("rne rounds half to even", () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, 2.6].map(rne)).toEqual([
      0, 2, 2, 0, -2, -2, 2, 3,
    ]);
  });

  it("sum8 and dot8 follow the documented 8-lane tree", () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -1e6, max: 1e6, noNaN: true }), { maxLength: 70 }),
        (xs) => {
          const a = Float32Array.from(xs);
          const lanes = new Array<number>(8).fill(0);
          a.forEach((v, i) => {
            lanes[i % 8] = fr(lanes[i % 8]! + v);
          });
          const [l0, l1, l2, l3, l4, l5, l6, l7] = lanes as [
            number,
            number,
            number,
            number,
            number,
            number,
            number,
            number,
          ];
          const want = fr(fr(fr(l0 + l1) + fr(l2 + l3)) + fr(fr(l4 + l5) + fr(l6 + l7)));
          expect(sum8(a, 0, 1, a.length)).toBe(want);
          expect(dot8(a, 0, 1, new Float32Array(a.length).fill(1), 0, 1, a.length)).toBe(want);
        },
      ),
    );
  });
});
