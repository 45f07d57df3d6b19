import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EventQueue } from "../../src/sim/heap.ts";

describe("EventQueue", () => {
  it("pops in (time, insertion) order whatever the insertion order", () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 50 }), { maxLength: 300 }), (times) => {
        const q = new EventQueue<number>();
        times.forEach((t, i) => q.push(t, i));
        const out: [number, number][] = [];
        for (let e = q.pop(); e; e = q.pop()) out.push([e.timeMs, e.item]);
        const expected = times
          .map((t, i) => [t, i] as [number, number])
          .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        expect(out).toEqual(expected);
      }),
    );
  });

  it("rejects a time that is not a non-negative integer", () => {
    const q = new EventQueue<string>();
    expect(() => q.push(1.5, "x")).toThrow(/non-negative integer/);
    expect(() => q.push(-1, "x")).toThrow(/non-negative integer/);
  });
});
