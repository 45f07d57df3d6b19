import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { hex } from "../../src/protocol/state.ts";
import { runScenario } from "../../src/sim/run.ts";
import { loadScenario } from "../../src/sim/scenario.ts";
import type { RunSink } from "../../src/sim/sink.ts";

const dir = resolve(import.meta.dirname, "../../scenarios");

describe("the vault poisoning coalition (scenarios/attacks/vault_poisoning.json)", () => {
  it("gets its fake answers promoted into the vault, whose traps then slash honest miners; it out-earns them", async () => {
    const s = loadScenario(resolve(dir, "attacks/vault_poisoning.json"));
    const coalitionHashes = new Set<string>();
    const poisonedEntries = new Set<number>();
    const honestCatches: { entry: number; miner: string }[] = [];
    /** Traps that caught an honest miner: who else passed or was caught there, by class. */
    const poisonedTraps: { passed: string[]; caught: string[] }[] = [];
    const kindOf = new Map<string, string>();
    const sink: RunSink = {
      start: (r) => { for (const a of r.actors) kindOf.set(a.address, a.kind); },
      block: (b) => {
        for (const e of b.events) {
          if (e.case === "gradientSubmitted" && kindOf.get(e.value.miner) === "vault_poisoner_miner") coalitionHashes.add(hex(e.value.gradientHash));
          else if (e.case === "vaultEntryAdded" && coalitionHashes.has(hex(e.value.gradientHash))) poisonedEntries.add(e.value.entryId);
          else if (e.case === "trapRevealed") {
            const caught = e.value.caught.filter((m) => kindOf.get(m) === "honest_miner");
            for (const m of caught) honestCatches.push({ entry: e.value.vaultEntryId, miner: m });
            if (caught.length > 0) poisonedTraps.push({ passed: e.value.passed.map((m) => kindOf.get(m)!), caught: e.value.caught.map((m) => kindOf.get(m)!) });
          }
        }
      },
      end: () => {},
    };
    const r = await runScenario(s, { seed: 1, blocks: s.shortBlocks!, sink });
    expect(r.violation).toBeUndefined();
    expect(poisonedEntries.size).toBeGreaterThan(0);
    // Honest miners are caught, and only by entries the coalition answered (genesis and honest promoted answers are right).
    expect(honestCatches.length).toBeGreaterThan(0);
    for (const c of honestCatches) expect(poisonedEntries.has(c.entry), `entry ${c.entry} caught ${c.miner}`).toBe(true);
    // On such a trap no honest miner passes (they all compute the job correctly) and no coalition member is caught.
    for (const t of poisonedTraps) {
      expect(t.passed.every((k) => k === "vault_poisoner_miner")).toBe(true);
      expect(t.caught.every((k) => k === "honest_miner")).toBe(true);
    }
    const perActor = (kind: string) => {
      const as = r.actors.filter((a) => a.kind === kind);
      return Number(as.reduce((x, a) => x + a.netUremes, 0n)) / as.length;
    };
    const honestSlashed = r.actors.filter((a) => a.kind === "honest_miner" && a.slashedUremes > 0n).length;
    expect(honestSlashed).toBeGreaterThan(0);
    expect(perActor("vault_poisoner_miner")).toBeGreaterThan(perActor("honest_miner"));
  });
});

describe("trap tasks computed by honest miners", () => {
  it("reproduce right vault answers, genesis and promoted alike: no honest miner is ever caught", async () => {
    const s = loadScenario(resolve(dir, "baseline.json"));
    let passed = 0;
    let promotedServed = 0;
    let caught = 0;
    const sink: RunSink = {
      start: () => {},
      block: (b) => {
        for (const e of b.events) {
          if (e.case !== "trapRevealed") continue;
          caught += e.value.caught.length;
          passed += e.value.passed.length;
          if (e.value.vaultEntryId >= 4) promotedServed++;
        }
      },
      end: () => {},
    };
    const r = await runScenario({ ...s, vaultEntries: 4, params: { ...s.params, trapRateBps: 2_000 } }, { seed: 3, blocks: 200, sink });
    expect(r.violation).toBeUndefined();
    expect(promotedServed).toBeGreaterThan(0);
    expect(passed).toBeGreaterThan(0);
    expect(caught).toBe(0);
  });
});
