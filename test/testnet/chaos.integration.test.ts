/**
 * `r3mes testnet chaos` on a real 4-validator testnet: faults drawn from a
 * seed (kill/restart, pause/resume, partition/heal), RPC clients reading
 * every node meanwhile; every cycle the rest go on, the victim catches up,
 * no process stops and the invariants hold, and at the end an independent
 * replay of the whole chain checks out. Before the fix of ABCI Info
 * (info.ts), the readers' /abci_info stopped a node within a few cycles.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chaos, chaosPlan } from "../../src/testnet/chaos.ts";
import { down } from "../../src/testnet/down.ts";
import { up } from "../../src/testnet/up.ts";
import { ensureCometbft } from "../node/harness.ts";
import { keepLogs, logTailsOnFailure } from "./helpers.ts";

describe("testnet chaos", () => {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "r3mes-chaos-")), "net");
  logTailsOnFailure(dir);
  beforeAll(async () => {
    ensureCometbft();
    await up({
      dir,
      validators: 4,
      miners: 2,
      proposers: 1,
      lazy: 0,
      blockTimeMs: 400,
      trainMs: 800,
      kubo: false,
      say: () => {},
    });
  });
  afterAll(async () => {
    keepLogs(dir);
    if (fs.existsSync(path.join(dir, "testnet.json"))) await down(dir, { keep: false });
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  });

  it("survives a seeded run of faults with RPC readers on every node, and the invariants hold after each", async () => {
    const lines: string[] = [];
    const plan = chaosPlan(3, ["val0", "val1", "val2", "val3"], 5, [3, 8]);
    // Seed 3's five faults include each kind (the unit test checks the plan itself).
    expect(new Set(plan.map((s) => s.fault))).toEqual(new Set(["kill", "pause", "partition"]));
    const r = await chaos(dir, {
      cycles: 5,
      seed: 3,
      downBlocks: [3, 8],
      say: (l) => lines.push(l),
    });
    console.log(lines.join("\n"));
    expect(r.failure).toBeUndefined();
    expect(r.cycles).toBe(5);
    expect(r.rpcReads).toBeGreaterThan(200);
    expect(r.checkedHeight).toBeGreaterThan(20);
    for (const s of plan)
      expect(lines.join("\n")).toContain(`${s.node}: ${s.fault === "kill" ? "killed" : s.fault}`);
  });
});
