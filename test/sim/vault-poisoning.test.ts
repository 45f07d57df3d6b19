import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { DisputeOutcome } from "../../src/gen/remes/v1/events_pb.ts";
import { hex } from "../../src/protocol/state.ts";
import { runScenario } from "../../src/sim/run.ts";
import { loadScenario } from "../../src/sim/scenario.ts";
import type { RunSink } from "../../src/sim/sink.ts";

const dir = resolve(import.meta.dirname, "../../scenarios");

/** A sink that follows vault entries, trap audits and their outcomes. */
const watch = () => {
  const kindOf = new Map<string, string>();
  const recomputed = new Set<string>();
  const seen = {
    unrecomputedEntries: 0,
    entries: [] as { window: number; shard: number }[],
    revealed: new Set<string>(),
    audits: 0,
    rejected: 0,
    upheld: 0,
  };
  const trapDisputes = new Set<number>();
  const sink: RunSink = {
    start: (r) => {
      for (const a of r.actors) kindOf.set(a.address, a.kind);
    },
    block: (b) => {
      let afterReveal = false;
      for (const e of b.events) {
        if (e.case === "arbitrationVerdictCast") recomputed.add(hex(e.value.recomputedHash));
        else if (e.case === "vaultEntryAdded") {
          // A planted answer is one no panel member recomputed (the scenario's validators are honest).
          if (!recomputed.has(hex(e.value.gradientHash))) seen.unrecomputedEntries++;
          seen.entries.push({ window: Number(e.value.window), shard: e.value.shard });
        } else if (e.case === "trapRevealed") {
          seen.revealed.add(`${e.value.window}/${e.value.shard}`);
          afterReveal = true;
        } else if (e.case === "disputeOpened" && afterReveal) {
          trapDisputes.add(Number(e.value.disputeId));
          seen.audits++;
        } else if (e.case === "disputeResolved" && trapDisputes.has(Number(e.value.disputeId))) {
          if (e.value.outcome === DisputeOutcome.REJECTED) seen.rejected++;
          if (e.value.outcome === DisputeOutcome.UPHELD) seen.upheld++;
        }
      }
    },
    end: () => {},
  };
  return { sink, seen };
};

describe("the vault poisoning coalition (scenarios/attacks/vault_poisoning.json)", () => {
  it("can no longer plant answers: nothing it agreed on enters the vault, no honest miner is slashed, trap audits catch it and it loses against honest work", async () => {
    const s = loadScenario(resolve(dir, "attacks/vault_poisoning.json"));
    const { sink, seen } = watch();
    // 300 blocks, not the scenario's short 200: whether 200 blocks catch the coalition is a matter of the draw (with
    // the genesis of Params field 98, seed 1's first 43 trap reveals hit no poisoner; seeds 2 and 3 caught 8 and 6).
    const r = await runScenario(s, { seed: 1, blocks: Math.max(s.shortBlocks!, 300), sink });
    expect(r.violation).toBeUndefined();
    // Before the fix: coalition fakes promoted into the vault, then 27 of 48 honest miners slashed at seed 1.
    expect(seen.unrecomputedEntries).toBe(0);
    expect(r.actors.filter((a) => a.kind === "honest_miner" && a.slashedUremes > 0n)).toEqual([]);
    // Every vault entry is a trap-audited shard (recomputed by a tier-3 panel), never a shard two miners merely agreed on.
    expect(seen.entries.length).toBeGreaterThan(0);
    for (const e of seen.entries)
      expect(seen.revealed.has(`${e.window}/${e.shard}`), `entry ${e.window}/${e.shard}`).toBe(
        true,
      );
    // The audits recompute: honest submissions upheld, the coalition's fakes rejected and slashed.
    expect(seen.upheld).toBeGreaterThan(0);
    expect(seen.rejected).toBeGreaterThan(0);
    expect(
      r.actors.filter((a) => a.kind === "vault_poisoner_miner" && a.slashedUremes > 0n).length,
    ).toBeGreaterThan(0);
    const perActor = (kind: string) => {
      const as = r.actors.filter((a) => a.kind === kind);
      return Number(as.reduce((x, a) => x + a.netUremes, 0n)) / as.length;
    };
    expect(perActor("vault_poisoner_miner")).toBeLessThan(perActor("honest_miner"));
  });
});

describe("trap audits of honest miners", () => {
  it("are all upheld by recomputation: no honest miner is ever caught, and the vault fills with confirmed jobs only", async () => {
    const s = loadScenario(resolve(dir, "baseline.json"));
    const { sink, seen } = watch();
    const r = await runScenario(
      { ...s, params: { ...s.params, trapRateBps: 2_000 } },
      { seed: 3, blocks: 200, sink },
    );
    expect(r.violation).toBeUndefined();
    expect(seen.audits).toBeGreaterThan(0);
    expect(seen.rejected).toBe(0);
    expect(r.actors.filter((a) => a.slashedUremes > 0n)).toEqual([]);
    expect(seen.entries.length).toBeGreaterThan(0);
    expect(seen.unrecomputedEntries).toBe(0);
    for (const e of seen.entries) expect(seen.revealed.has(`${e.window}/${e.shard}`)).toBe(true);
  });
});
