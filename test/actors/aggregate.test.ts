import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AggregationMethod } from "../../src/gen/remes/v1/types_pb.ts";
import { aggregateUpdates, krum } from "../../src/actors/aggregate.ts";

const update = fc
  .array(fc.integer({ min: -1_000, max: 1_000 }), { minLength: 4, maxLength: 4 })
  .map((a) => Int32Array.from(a));

describe("Krum", () => {
  it("returns one of its inputs, whatever their order's ties", () => {
    fc.assert(
      fc.property(fc.array(update, { minLength: 1, maxLength: 12 }), (us) => {
        const k = krum(us);
        expect(us.some((u) => u.every((x, i) => x === k[i]))).toBe(true);
        expect([...aggregateUpdates(us, AggregationMethod.KRUM)]).toEqual([...k]);
      }),
    );
  });

  it("picks an update of the honest cluster while the outliers are a minority", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 4, maxLength: 4 }), {
          minLength: 7,
          maxLength: 12,
        }),
        fc.array(
          fc.array(fc.integer({ min: -3_000, max: 3_000 }), { minLength: 4, maxLength: 4 }),
          { minLength: 1, maxLength: 3 },
        ),
        (honest, outliers) => {
          const us = [
            ...outliers.map((o) => Int32Array.from(o, (x) => x + 10_000)),
            ...honest.map((h) => Int32Array.from(h, (x) => 100 + x)),
          ];
          const k = krum(us);
          expect(k.every((x) => Math.abs(x - 100) <= 5)).toBe(true);
        },
      ),
    );
  });
});
