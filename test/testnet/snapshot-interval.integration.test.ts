/**
 * `perturb restart` keeps the snapshot interval chosen at `up`: a one-node
 * testnet created with --snapshot-interval 7 records it in testnet.json, and
 * the app process of the restarted node runs with 7 (read from its command
 * line in /proc), not the 50 every restart used before.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { down } from "../../src/testnet/down.ts";
import { perturb } from "../../src/testnet/perturb.ts";
import { readState, rpcUrl, writeState } from "../../src/testnet/state.ts";
import { createTestnet, startNodeProcs, waitForHeight } from "../../src/testnet/up.ts";
import { ensureCometbft } from "../node/harness.ts";

const cmdline = (pid: number) =>
  fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);

describe("perturb restart and the snapshot interval", () => {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "r3mes-snap-")), "net");
  afterAll(async () => {
    if (fs.existsSync(path.join(dir, "testnet.json"))) await down(dir, { keep: false });
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  });

  it("a restarted node's app runs with the interval recorded at up", async () => {
    ensureCometbft();
    const s = await createTestnet({
      dir,
      validators: 1,
      miners: 0,
      proposers: 0,
      lazy: 0,
      blockTimeMs: 300,
      trainMs: 0,
      kubo: false,
      network: "loopback",
      snapshotInterval: 7,
      say: () => {},
    });
    expect(readState(dir).snapshotInterval).toBe(7);
    const n = s.nodes[0]!;
    await startNodeProcs(s, n);
    writeState(s);
    await waitForHeight([rpcUrl(n)], 2, 60_000);
    const flag = (pid: number) => {
      const a = cmdline(pid);
      return a[a.indexOf("--snapshot-interval") + 1];
    };
    expect(flag(n.appPid!)).toBe("7");
    await perturb(dir, "restart", n.name);
    const after = readState(dir).nodes[0]!;
    expect(after.appPid).not.toBe(n.appPid);
    expect(flag(after.appPid!)).toBe("7");
    await waitForHeight([rpcUrl(after)], 4, 60_000);
  }, 120_000);
});
