import * as fs from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nodeNet } from "../../src/testnet/netns.ts";
import {
  checkWan,
  loadWan,
  regionOf,
  rttBetween,
  tcBatch,
  type Wan,
  WAN_PRESETS,
} from "../../src/testnet/wan.ts";

const net = { kind: "netns" as const, id: "abcd", hub: "r3mes-abcd-hub", rpcSubnet: "10.210.1" };
const nodes = (n: number) => Array.from({ length: n }, (_, i) => nodeNet(net, i, `val${i}`));

/** Parses the netem delays tcBatch gives node i: peer address → one-way ms. */
const delaysOf = (lines: readonly string[]): Map<string, number> => {
  const delayOfClass = new Map<string, number>();
  for (const l of lines) {
    const m = /parent 1:(\w+) handle \w+: netem delay ([\d.]+)ms/.exec(l);
    if (m) delayOfClass.set(m[1]!, Number(m[2]));
  }
  const out = new Map<string, number>();
  for (const l of lines) {
    const m = /match ip dst ([\d.]+)\/32 flowid 1:(\w+)/.exec(l);
    if (m) out.set(m[1]!, delayOfClass.get(m[2]!)!);
  }
  return out;
};

describe("wan: latency matrix to tc", () => {
  it("every preset is a valid matrix", () => {
    for (const [name, w] of Object.entries(WAN_PRESETS)) expect(loadWan(name)).toBe(w);
  });

  it("each pair's two one-way delays add up to the matrix's round trip; no class for self; round-robin placement", () => {
    const w: Wan = WAN_PRESETS["qa-regions"]!;
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 60 }), (n) => {
        const ns = nodes(n);
        const d = ns.map((_, i) => delaysOf(tcBatch(w, ns, i)));
        for (let i = 0; i < n; i++) {
          expect(d[i]!.size).toBe(n - 1);
          expect(d[i]!.has(ns[i]!.p2pHost)).toBe(false);
          expect(regionOf(w, i)).toBe(w.regions[i % w.regions.length]);
          for (let j = 0; j < n; j++)
            if (j !== i)
              expect(d[i]!.get(ns[j]!.p2pHost)! + d[j]!.get(ns[i]!.p2pHost)!).toBeCloseTo(
                rttBetween(w, i, j),
                6,
              );
        }
        // Class ids are distinct per link (hex minor numbers).
        const ids = tcBatch(w, ns, 0)
          .map((l) => /classid 1:(\w+)/.exec(l)?.[1])
          .filter(Boolean);
        expect(new Set(ids).size).toBe(ids.length);
      }),
      { numRuns: 20 },
    );
  });

  it("jitter never exceeds the one-way delay; loss is passed on", () => {
    const w = checkWan({
      regions: ["a", "b"],
      rttMs: [
        [1, 40],
        [40, 1],
      ],
      jitterMs: 5,
      lossPct: 0.5,
    });
    const lines = tcBatch(w, nodes(3), 0);
    // Node 2 is in region a with node 0: 0.5 ms each way, so jitter 0.5 ms.
    expect(lines.some((l) => l.includes("netem delay 20ms 5ms loss 0.5% limit"))).toBe(true);
    expect(lines.some((l) => l.includes("netem delay 0.5ms 0.5ms loss 0.5% limit"))).toBe(true);
  });

  it("rejects a matrix that is not square, symmetric or non-negative, and unknown placements", () => {
    expect(() => checkWan({ regions: ["a", "b"], rttMs: [[1, 2]] })).toThrow(/2×2/);
    expect(() =>
      checkWan({
        regions: ["a", "b"],
        rttMs: [
          [1, 2],
          [3, 1],
        ],
      }),
    ).toThrow(/symmetric/);
    expect(() => checkWan({ regions: ["a"], rttMs: [[-1]] })).toThrow(/round trip/);
    expect(() => checkWan({ regions: ["a"], rttMs: [[1]], placement: ["b"] })).toThrow(/unknown/);
    expect(() =>
      checkWan({
        regions: ["a", "a"],
        rttMs: [
          [1, 1],
          [1, 1],
        ],
      }),
    ).toThrow(/distinct/);
    expect(() => loadWan("no-such-preset")).toThrow(/neither a preset/);
    const f = path.join(fs.mkdtempSync(path.join(tmpdir(), "r3mes-wan-")), "wan.json");
    fs.writeFileSync(
      f,
      JSON.stringify({
        regions: ["x", "y"],
        rttMs: [
          [0, 10],
          [10, 0],
        ],
        placement: ["y", "x"],
      }),
    );
    const w = loadWan(f);
    expect(rttBetween(w, 0, 1)).toBe(10);
    expect(regionOf(w, 0)).toBe("y");
    fs.writeFileSync(f, JSON.stringify({ regions: "x", rttMs: [] }));
    expect(() => loadWan(f)).toThrow();
  });
});
