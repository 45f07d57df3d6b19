import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { nextAppHash } from "../../src/protocol/apphash.ts";
import { ModuleAccount, type State } from "../../src/protocol/state.ts";
import { runScenario } from "../../src/sim/run.ts";
import { loadScenario } from "../../src/sim/scenario.ts";
import type { RunSink } from "../../src/sim/sink.ts";

const baseline = loadScenario(resolve(import.meta.dirname, "../../scenarios/baseline.json"));

describe("the engine", () => {
  it("chains app hashes exactly as apphash.ts defines them while encoding each event once", async () => {
    let prev: Uint8Array | undefined;
    let checked = 0;
    const sink: RunSink = {
      start() {},
      block(b) {
        if (prev) {
          expect(Buffer.from(b.appHash).toString("hex")).toBe(
            Buffer.from(nextAppHash(prev, b.events)).toString("hex"),
          );
          checked++;
        }
        prev = b.appHash;
      },
      end() {},
    };
    const r = await runScenario(baseline, { seed: 3, blocks: 40, sink });
    expect(checked).toBe(39);
    expect(r.events).toBeGreaterThan(40);
  });

  it("produces blocks every blockTimeMs with validators signing, and pays honest miners", async () => {
    const times: number[] = [];
    const sink: RunSink = { start() {}, block: (b) => void times.push(b.timeMs), end() {} };
    const r = await runScenario(baseline, { seed: 1, blocks: 80, sink });
    expect(times.slice(0, 3)).toEqual([5_000, 10_000, 15_000]);
    expect(r.stats.txsRejected).toBe(0);
    const miners = r.actors.filter((a) => a.kind === "honest_miner");
    expect(miners.every((m) => m.slashedUremes === 0n)).toBe(true);
    expect(miners.every((m) => m.rewardsUremes > 0n)).toBe(true);
  });

  it("stops at the first block that breaks an invariant and says where", async () => {
    const sink: RunSink = {
      start() {},
      block(b) {
        // Corrupt the committed state behind the machine's back: money from nowhere.
        if (b.height === 10)
          (b.state as State).balances.set(
            ModuleAccount.communityPool,
            1n + ((b.state as State).balances.get(ModuleAccount.communityPool) ?? 0n),
          );
      },
      end() {},
    };
    const r = await runScenario(baseline, { seed: 1, blocks: 50, sink });
    expect(r.violation?.height).toBe(11);
    expect(r.violation?.messages.join("\n")).toMatch(/^supply:/);
    expect(r.blocks).toBe(11);
  });
});
