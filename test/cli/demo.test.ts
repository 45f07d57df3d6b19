import { describe, expect, it } from "vitest";
import { Role } from "../../src/gen/remes/v1/types_pb.ts";
import { roleOf } from "../../src/protocol/staking.ts";
import { lazyMiner, miners, runDemoWorld } from "../../src/protocol/testing/demo-world.ts";
import { bytesToHex } from "@noble/hashes/utils.js";

const REMES = 1_000_000n;

describe("the scripted demo world", () => {
  const chain = runDemoWorld(1);
  const events = chain.log.flat();

  it("catches the lazy miner by tier-3 recomputation in both windows (the second on a trap shard), slashing half its stake each time", () => {
    const slashes = events.flatMap((e) =>
      e.case === "slashed" && e.value.address === lazyMiner ? [e.value] : [],
    );
    const keys = slashes.map((s) => s.offenceKey.split("/")[0]);
    expect(keys).toEqual(["dispute", "dispute"]);
    expect(events.some((e) => e.case === "trapRevealed")).toBe(true);
    expect(slashes[0]!.amount).toBe(1_000n * REMES); // 50% of 2,000 REMES
    expect(roleOf(chain.state, Role.MINER, lazyMiner)!.stake).toBeLessThan((2_000n * REMES) / 2n);
  });

  it("pays every honest miner for both windows and never slashes one", () => {
    for (const m of miners.filter((x) => x !== lazyMiner)) {
      const rewards = events.filter((e) => e.case === "rewardMinted" && e.value.to === m).length;
      expect(rewards, m).toBe(2);
      expect(events.some((e) => e.case === "slashed" && e.value.address === m)).toBe(false);
      expect(roleOf(chain.state, Role.MINER, m)!.stake).toBe(2_000n * REMES);
    }
  });

  it("is deterministic: the same seed gives the same app hash, another seed another", () => {
    expect(bytesToHex(runDemoWorld(1).appHash)).toBe(bytesToHex(chain.appHash));
    expect(bytesToHex(runDemoWorld(2).appHash)).not.toBe(bytesToHex(chain.appHash));
  });

  it("rejects none of its scripted transactions", () => {
    expect(chain.rejected).toEqual([]);
  });

  it("keeps supply = genesis + minted − burned", () => {
    let total = 0n;
    for (const b of chain.state.balances.values()) total += b;
    const s = chain.state.supply;
    expect(total).toBe(s.genesis + s.minted - s.burned);
  });
});
