import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Interner } from "../../src/node/intern.ts";

const tree = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: "small" },
    fc.string(),
    fc.bigInt(),
    fc.integer(),
    fc.uint8Array({ maxLength: 4 }),
    tie("obj"),
    tie("arr"),
    tie("map"),
    tie("set"),
  ),
  obj: fc.dictionary(fc.string({ maxLength: 3 }), tie("node"), {
    maxKeys: 4,
    noNullPrototype: true,
  }),
  arr: fc.array(tie("node"), { maxLength: 4 }),
  map: fc
    .array(fc.tuple(fc.oneof(fc.string({ maxLength: 3 }), fc.integer()), tie("node")), {
      maxLength: 4,
    })
    .map((es) => new Map(es)),
  set: fc
    .array(fc.oneof(fc.string({ maxLength: 3 }), fc.integer()), { maxLength: 4 })
    .map((xs) => new Set(xs)),
})).node;

describe("Interner.deep", () => {
  it("changes no value and no order: objects, arrays, Maps and Sets compare equal, entry for entry", () => {
    fc.assert(
      fc.property(tree, (t) => {
        const before = structuredClone(t);
        const after = new Interner().deep(t);
        expect(after).toBe(t);
        expect(after).toStrictEqual(before);
        const orderOf = (x: unknown): unknown =>
          x instanceof Map ? [...x.keys()] : x instanceof Set ? [...x] : null;
        expect(orderOf(after)).toEqual(orderOf(before));
      }),
      { numRuns: 300 },
    );
  });

  it("leaves frozen objects and long strings alone", () => {
    const frozen = Object.freeze({ a: "x" });
    const long = "y".repeat(500);
    const out = new Interner().deep({ frozen, list: [long] });
    expect(out.frozen).toBe(frozen);
    expect(out.list[0]).toBe(long);
  });
});
