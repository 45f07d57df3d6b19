import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { HeldHashes } from "../../src/actors/miners.ts";
import { hex } from "../../src/protocol/state.ts";

/** What HeldHashes replaced: a Set of hex keys, add then delete the oldest when over `max`. */
class SetModel {
  readonly keys = new Set<string>();
  add(h: Uint8Array, max: number): void {
    this.keys.add(hex(h));
    if (this.keys.size > max) this.keys.delete(this.keys.values().next().value!);
  }
}

describe("HeldHashes", () => {
  it("holds what a Set of hex keys held, in any order of adds, repeats and bounds", () => {
    // Few distinct hashes (repeats), some sharing their 4-byte prefix (the screen).
    const hash = fc
      .tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 40 }))
      .map(([p, t]) => {
        const h = new Uint8Array(32);
        h[3] = p;
        h[31] = t;
        h[16] = t * 7;
        return h;
      });
    const op = fc.tuple(hash, fc.constantFrom(1, 4, 64, Number.POSITIVE_INFINITY));
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 300 }),
        fc.array(hash, { maxLength: 20 }),
        (ops, probes) => {
          const held = new HeldHashes();
          const model = new SetModel();
          for (const [h, max] of ops) {
            held.add(h, max);
            model.add(h, max);
            expect(held.size).toBe(model.keys.size);
          }
          for (const h of [...probes, ...ops.map(([h]) => h)])
            expect(held.has(h)).toBe(model.keys.has(hex(h)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("keeps a copy: changing the added array later changes nothing held", () => {
    const held = new HeldHashes();
    const h = new Uint8Array(32).fill(9);
    held.add(h, 64);
    const copy = h.slice();
    h[5] = 0;
    expect(held.has(copy)).toBe(true);
    expect(held.has(h)).toBe(false);
  });
});
