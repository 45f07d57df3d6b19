/**
 * The app's collection policy between blocks (run.ts collectorPolicy): none
 * while CheckTx traffic arrives, a memory-reducing one in the first quiet
 * block after the heap grew, after growth of the heap or the resident set
 * in quiet blocks, and always when forced (InitChain, a snapshot Commit).
 */
import { describe, expect, it } from "vitest";
import { collectorPolicy } from "../../src/node/run.ts";

const MB = 2 ** 20;

const fake = () => {
  const m = { heap: 40 * MB, rss: 100 * MB, collections: 0 };
  const policy = collectorPolicy({
    collect: () => {
      m.collections++;
      m.heap = 40 * MB;
      m.rss = 100 * MB;
    },
    heapUsed: () => m.heap,
    rss: () => m.rss,
  });
  return { m, policy };
};

describe("collectorPolicy", () => {
  it("collects nothing during a flood, however the heap grows, and once in the first quiet block after it", () => {
    const { m, policy } = fake();
    for (let block = 0; block < 5; block++) {
      policy.sawTx();
      m.heap += 60 * MB;
      m.rss += 60 * MB;
      policy.afterBlock(false);
    }
    expect(m.collections).toBe(0);
    policy.afterBlock(false); // quiet
    expect(m.collections).toBe(1);
    policy.afterBlock(false);
    expect(m.collections).toBe(1);
  });

  it("a flood that did not grow the heap past the trigger is owed nothing", () => {
    const { m, policy } = fake();
    policy.sawTx();
    m.heap += 10 * MB;
    policy.afterBlock(false);
    m.heap -= 10 * MB;
    policy.afterBlock(false);
    expect(m.collections).toBe(0);
  });

  it("in quiet blocks collects on heap growth (half again + 32 MB) or resident-set growth (8 MB), not below", () => {
    const { m, policy } = fake();
    m.heap = 40 * MB * 1.5 + 32 * MB - 1;
    m.rss = 100 * MB + 8 * MB - 1;
    policy.afterBlock(false);
    expect(m.collections).toBe(0);
    m.heap += 1;
    policy.afterBlock(false);
    expect(m.collections).toBe(1);
    m.rss = 100 * MB + 8 * MB;
    policy.afterBlock(false);
    expect(m.collections).toBe(2);
  });

  it("collects when forced, flood or not", () => {
    const { m, policy } = fake();
    policy.sawTx();
    policy.afterBlock(true);
    expect(m.collections).toBe(1);
    policy.afterBlock(true);
    expect(m.collections).toBe(2);
  });
});
