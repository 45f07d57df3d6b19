/**
 * A local testnet whose daemons train for real (`testnet up --training
 * kernels`): every miner trains LoRA adapters with the canonical kernels,
 * validators recompute them for tier 2 and tier 3, the genesis vault's trap
 * answers are the kernels' own. The lazy miner is slashed, the honest ones
 * are paid and never slashed (so no honest miner failed a trap), and the
 * chain's invariants hold.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChainFollower } from "../../src/actors/live/follower.ts";
import { Role } from "../../src/gen/remes/v1/types_pb.ts";
import type { ProtocolEvent } from "../../src/protocol/events.ts";
import { roleKey } from "../../src/protocol/state.ts";
import { down } from "../../src/testnet/down.ts";
import { checkInvariants } from "../../src/testnet/invariants.ts";
import { sleep } from "../../src/testnet/procs.ts";
import { logsDir, rpcUrl, testnetAddresses, type TestnetState } from "../../src/testnet/state.ts";
import { up } from "../../src/testnet/up.ts";
import { ensureCometbft, root } from "../node/harness.ts";

const REMES = 1_000_000n;

describe("local testnet with real training (kernels backend)", () => {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "r3mes-tnk-")), "net");
  let s: TestnetState;
  let follower: ChainFollower;
  const events: ProtocolEvent[] = [];

  beforeAll(async () => {
    ensureCometbft();
    execFileSync("bash", [path.join(root, "scripts/setup-tools.sh")], { stdio: "pipe" });
    s = (
      await up({
        dir,
        validators: 4,
        miners: 3,
        proposers: 1,
        lazy: 1,
        blockTimeMs: 400,
        trainMs: 800,
        training: "kernels",
        kubo: true,
        say: () => {},
      })
    ).state;
    follower = new ChainFollower(rpcUrl(s.nodes[0]!), () => {});
    void follower
      .run(async (b) => {
        events.push(...b.events);
      })
      .catch(() => {});
  }, 240_000);
  afterAll(async () => {
    follower?.stop();
    if (fs.existsSync(path.join(dir, "testnet.json"))) await down(dir, { keep: false });
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  });

  it("slashes the lazy miner and pays the honest ones, who pass every trap", async () => {
    expect(s.training).toBe("kernels");
    const keys = testnetAddresses(dir);
    const lazy = keys.miner2!;
    const honest = ["miner0", "miner1"].map((m) => keys[m]!);
    const stake = (a: string) => follower.state?.roles.get(roleKey(Role.MINER, a))?.stake ?? 0n;
    const balance = (a: string) => follower.state?.balances.get(a) ?? 0n;
    const until = Date.now() + 180_000;
    while (!(
      follower.state !== undefined &&
      stake(lazy) < 2_000n * REMES &&
      honest.every((a) => balance(a) > 10_000n * REMES)
    )) {
      if (Date.now() > until) throw new Error(`timed out; logs in ${logsDir(dir)}`);
      await sleep(250);
    }
    for (const a of honest) expect(stake(a)).toBe(2_000n * REMES);
    const submitted = events.flatMap((e) => (e.case === "gradientSubmitted" ? [e.value] : []));
    expect(submitted.length).toBeGreaterThan(0);
    for (const g of submitted) expect(g.kernelVersion).toBe("bitnet-cpu/1");
    for (const e of events)
      if (e.case === "trapRevealed")
        for (const a of honest) expect(e.value.caught).not.toContain(a);
    const r = await checkInvariants(s);
    expect(r.violations).toEqual([]);
  }, 240_000);
});
