import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkParts, type Part } from "../../src/sim/shard-merge.ts";
import {
  checkShardFlags,
  manifestOf,
  shardRuns,
  type SweepIdentity,
} from "../../src/sim/shards.ts";

const specs = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    seed: i + 1,
    overrides: {},
    scenario: { name: "s" } as never,
  }));

const id: SweepIdentity = {
  scenario: "s",
  source: "s.json",
  scenarioSha256: "a".repeat(64),
  sweepSha256: "b".repeat(64),
  blocks: 10,
  eventLog: true,
  totalRuns: 7,
};

/** A part as shard `shard` of `of` would write it. */
const part = (shard: number, of: number, dir = `/p/${shard}`, ident = id): Part => ({
  dir,
  manifest: manifestOf(
    ident,
    shard,
    of,
    shardRuns(specs(ident.totalRuns), shard, of).map(({ index }) => ({
      index,
      run_id: `s/seed=${index + 1}`,
      seed: index + 1,
      status: "ok",
      blocks: 10,
      events: 1,
      event_log_sha256: "c".repeat(64),
      app_hash: "d".repeat(64),
    })),
  ),
});

describe("shard assignment", () => {
  it("the shards of N partition the runs: each run in exactly one shard (i mod N), in order, sizes within one of each other", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 12 }), (total, of) => {
        const shards = Array.from({ length: of }, (_, s) =>
          shardRuns(specs(total), s, of).map((r) => r.index),
        );
        expect(shards.flat().sort((a, b) => a - b)).toEqual(
          Array.from({ length: total }, (_, i) => i),
        );
        for (const [s, idx] of shards.entries()) {
          expect(idx.every((i) => i % of === s)).toBe(true);
          expect([...idx].sort((a, b) => a - b)).toEqual(idx);
        }
        const sizes = shards.map((x) => x.length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it("--shard and --of: together, 0 ≤ I < N", () => {
    expect(checkShardFlags(undefined, undefined)).toBeUndefined();
    expect(checkShardFlags(3, 4)).toBeUndefined();
    expect(checkShardFlags(0, undefined)).toMatch(/go together/);
    expect(checkShardFlags(4, 4)).toMatch(/from 0 to 3/);
    expect(checkShardFlags(-1, 4)).toMatch(/from 0 to 3/);
    expect(checkShardFlags(0, 0)).toMatch(/positive/);
  });
});

describe("checkParts", () => {
  it("accepts any multiset of shards exactly when each of 0…N−1 is there once, else names the missing and the repeated ones", () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 8 })
          .chain((of) =>
            fc.tuple(
              fc.constant(of),
              fc.array(fc.integer({ min: 0, max: of - 1 }), { minLength: 1, maxLength: 2 * of }),
            ),
          ),
        ([of, shards]) => {
          const parts = shards.map((s, k) => part(s, of, `/p/${s}-${k}`));
          const counts = Array.from({ length: of }, (_, s) => shards.filter((x) => x === s).length);
          if (counts.every((c) => c === 1)) {
            expect(checkParts(parts).map((p) => p.manifest.shard)).toEqual(
              Array.from({ length: of }, (_, s) => s),
            );
            return;
          }
          let message = "";
          try {
            checkParts(parts);
          } catch (e) {
            message = (e as Error).message;
          }
          const missing = counts.flatMap((c, s) => (c === 0 ? [s] : []));
          if (missing.length > 0)
            expect(message).toContain(
              `missing shard${missing.length > 1 ? "s" : ""} ${missing.join(", ")} of ${of}`,
            );
          for (const [s, c] of counts.entries())
            if (c > 1) expect(message).toContain(`shard ${s} of ${of} given ${c} times`);
        },
      ),
    );
  });

  it("refuses parts of another sweep, or split differently, or holding another shard's runs", () => {
    const other = { ...id, sweepSha256: "e".repeat(64), blocks: 20 };
    expect(() => checkParts([part(0, 2), part(1, 2, "/q/1", other)])).toThrow(
      /not one sweep[\s\S]*\/q\/1: s \(s\.json, .*7 runs of 20 blocks/,
    );
    expect(() => checkParts([part(0, 2), part(1, 3)])).toThrow(
      /split the sweep differently \(--of 2, --of 3\)/,
    );
    const wrong = part(1, 2);
    expect(() =>
      checkParts([
        part(0, 2),
        { ...wrong, manifest: { ...wrong.manifest, runs: part(0, 2).manifest.runs } },
      ]),
    ).toThrow(/holds runs \[0, 2, 4, 6\], not its shard's runs \[1, 3, 5\]/);
  });
});
