import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { Role } from "../../src/gen/remes/v1/types_pb.ts";
import { ModuleAccount, roleKey, type State } from "../../src/protocol/state.ts";
import { runScenario } from "../../src/sim/run.ts";
import { loadScenario, parseScenario } from "../../src/sim/scenario.ts";
import type { RunSink } from "../../src/sim/sink.ts";
import { labelAddress as addr } from "../../src/protocol/address.ts";

const dir = resolve(import.meta.dirname, "../../scenarios");
/** A scenario whose full state walk never runs within the test's blocks: only the per-block checks. */
const incrementalOnly = (name: string) => {
  const s = JSON.parse(JSON.stringify(loadScenario(resolve(dir, `${name}.json`)))) as Record<
    string,
    unknown
  >;
  return parseScenario({ ...s, engine: { invariantEveryBlocks: 100_000 } }, "test");
};
const corruptAt = (height: number, f: (s: State) => void): RunSink => ({
  start() {},
  block: (b) => void (b.height === height && f(b.state as State)),
  end() {},
});

describe("the per-block invariant checker", () => {
  it("finds money from nowhere the block after it appeared, without a full walk", async () => {
    const sink = corruptAt(10, (s) =>
      s.balances.set(
        ModuleAccount.communityPool,
        (s.balances.get(ModuleAccount.communityPool) ?? 0n) + 1n,
      ),
    );
    const r = await runScenario(incrementalOnly("baseline"), { seed: 1, blocks: 50, sink });
    expect(r.violation?.height).toBe(11);
    expect(r.violation?.messages.join("\n")).toMatch(/^supply:/);
  });

  it("finds a negative balance and a stake changed behind the bonded pool's back", async () => {
    const negative = await runScenario(incrementalOnly("baseline"), {
      seed: 1,
      blocks: 50,
      sink: corruptAt(12, (s) => {
        s.balances.set(addr("remes1honestminer00001"), -5n);
      }),
    });
    expect(negative.violation?.messages).toContain(
      `negative balance: ${addr("remes1honestminer00001")} has -5`,
    );
    // A stake moved without a stake event: the pool no longer matches once a stake event names the role.
    const lazy = new Set(
      Array.from({ length: 1000 }, (_, i) => addr(`remes1lazyminer${String(i).padStart(5, "0")}`)),
    );
    const stake = await runScenario(incrementalOnly("lazy_30"), {
      seed: 1,
      blocks: 200,
      sink: corruptAt(12, (s) => {
        for (const r of s.roles.values())
          if (r.role === Role.MINER && lazy.has(r.address)) r.stake += 7n;
      }),
    });
    expect(stake.violation?.messages.join("\n")).toMatch(
      /^bonded pool: holds \d+, role stakes sum to \d+/m,
    );
  });

  it("reports the same as a full walk on clean runs: none, and running sums that never drift (full walks every 7 blocks)", async () => {
    for (const name of ["lazy_30", "copycats", "false_challengers", "network_faults"]) {
      const s = JSON.parse(JSON.stringify(loadScenario(resolve(dir, `${name}.json`)))) as Record<
        string,
        unknown
      >;
      const r = await runScenario(
        parseScenario({ ...s, engine: { invariantEveryBlocks: 7 } }, "test"),
        { seed: 5, blocks: 150 },
      );
      expect(r.violation, name).toBeUndefined();
    }
  });

  it("a stake moved with its pool but without a stake event is caught: by the next block's check, or as drift by a full walk", async () => {
    const s = JSON.parse(JSON.stringify(loadScenario(resolve(dir, "baseline.json")))) as Record<
      string,
      unknown
    >;
    const key = roleKey(Role.MINER, addr("remes1honestminer00003"));
    const r = await runScenario(
      parseScenario({ ...s, engine: { invariantEveryBlocks: 20 } }, "test"),
      {
        seed: 1,
        blocks: 60,
        sink: corruptAt(12, (st) => {
          // Consistent for a full walk (pool and stake move together), invisible to the events.
          st.roles.get(key)!.stake += 3n;
          st.balances.set(
            ModuleAccount.bondedPool,
            st.balances.get(ModuleAccount.bondedPool)! + 3n,
          );
          st.balances.set(
            addr("remes1honestminer00003"),
            st.balances.get(addr("remes1honestminer00003"))! - 3n,
          );
        }),
      },
    );
    // The next block's per-block check sees the pool move without a stake event.
    expect(r.violation?.height).toBe(13);
    expect(r.violation?.messages.join("\n")).toMatch(/bonded pool/);
    // Done just before a full walk (block 20), the walk finds the state consistent but the running sums off.
    const atWalk = await runScenario(
      parseScenario({ ...s, engine: { invariantEveryBlocks: 20 } }, "test"),
      {
        seed: 1,
        blocks: 60,
        sink: corruptAt(19, (st) => {
          st.roles.get(key)!.stake += 3n;
          st.balances.set(
            ModuleAccount.bondedPool,
            st.balances.get(ModuleAccount.bondedPool)! + 3n,
          );
          st.balances.set(
            addr("remes1honestminer00003"),
            st.balances.get(addr("remes1honestminer00003"))! - 3n,
          );
        }),
      },
    );
    expect(atWalk.violation?.height).toBe(20);
    expect(atWalk.violation?.messages).toEqual([
      expect.stringMatching(/^checker: running stake sum \d+ drifted from the state's \d+/),
    ]);
  });
});
