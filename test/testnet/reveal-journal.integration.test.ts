/**
 * A miner daemon killed (kill -9) between its commitment and its reveal still
 * reveals: its pending reveal was journaled before the commitment went out
 * (src/actors/live/reveal-journal.ts), the restarted daemon loads it and
 * sends it once the reveal period opens, and the miner is not slashed for an
 * unrevealed commitment. One validator, two miners, one proposer; the reveal
 * period is lengthened to 24 blocks (about 10 s at 400 ms blocks) so the restart
 * fits inside it. And a miner whose commitment is lost on the way (the
 * broadcaster's test hook R3MES_TEST_LOSE_COMMITS, as a tx dropped from a
 * mempool) commits again from its journal and reveals: the window pays it.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChainFollower } from "../../src/actors/live/follower.ts";
import { Role } from "../../src/gen/remes/v1/types_pb.ts";
import { roleKey } from "../../src/protocol/state.ts";
import { down } from "../../src/testnet/down.ts";
import { alive, sleep } from "../../src/testnet/procs.ts";
import {
  logsDir,
  readState,
  rpcUrl,
  testnetAddresses,
  writeState,
} from "../../src/testnet/state.ts";
import { startDaemonProc, up } from "../../src/testnet/up.ts";
import { TEST_LOSE_COMMITS_ENV } from "../../src/actors/live/broadcaster.ts";
import { ensureCometbft } from "../node/harness.ts";
import { keepLogs, logTailsOnFailure, waitFor as waitForIt } from "./helpers.ts";

const REMES = 1_000_000n;

/**
 * One validator, `miners` miners and a proposer at 400 ms blocks, with a reveal period of 24 blocks (about 10 s, so a
 * restart fits inside it), set up before the describe's tests and taken down after; `env` is set while the daemons
 * start. A follower keeps the chain's state.
 */
const liveTestnet = (prefix: string, miners: number, env: Record<string, string> = {}) => {
  const t = {
    dir: path.join(fs.mkdtempSync(path.join(os.tmpdir(), prefix)), "net"),
    follower: undefined as unknown as ChainFollower,
    waitFor: (what: string, ok: () => Promise<boolean> | boolean, timeoutMs: number) =>
      waitForIt(t.dir, what, ok, timeoutMs),
  };
  logTailsOnFailure(t.dir);
  beforeAll(async () => {
    ensureCometbft();
    Object.assign(process.env, env);
    try {
      const { state } = await up({
        dir: t.dir,
        validators: 1,
        miners,
        proposers: 1,
        lazy: 0,
        blockTimeMs: 400,
        trainMs: 400,
        kubo: false,
        params: { windowBlocks: 32, gradientRevealBlocks: 24 },
        say: () => {},
      });
      t.follower = new ChainFollower(rpcUrl(state.nodes[0]!), () => {});
    } finally {
      for (const k of Object.keys(env)) delete process.env[k];
    }
    void t.follower.run(async () => {}).catch(() => {});
  });
  afterAll(async () => {
    t.follower?.stop();
    keepLogs(t.dir);
    if (fs.existsSync(path.join(t.dir, "testnet.json"))) await down(t.dir, { keep: false });
    fs.rmSync(path.dirname(t.dir), { recursive: true, force: true });
  });
  return t;
};

describe("reveal journal on a live testnet", () => {
  const t = liveTestnet("r3mes-rj-", 2);
  const { dir, waitFor } = t;

  it("a miner killed between commit and reveal reveals after its restart and is not slashed", async () => {
    const miner = testnetAddresses(dir).miner0!;
    const logFile = path.join(logsDir(dir), "miner0.log");
    const log = () => fs.readFileSync(logFile, "utf8");
    await waitFor("miner0's first commitment", () => /commitGradient accepted/.test(log()), 60_000);
    const st = readState(dir);
    const d = st.daemons.find((x) => x.name === "miner0")!;
    process.kill(d.pid!, "SIGKILL");
    while (alive(d.pid)) await sleep(20);
    const journal = path.join(dir, "daemons", "miner0", `reveals-${miner}`);
    const files = fs.readdirSync(journal);
    expect(files).toHaveLength(1);
    const window = Number(/^w(\d+)\.rev$/.exec(files[0]!)![1]);
    // Its commitment lands; nothing of this process is left to reveal it.
    await waitFor(
      `miner0's commitment for window ${window} on chain`,
      () => t.follower.state?.windows.get(window)?.commitments.has(miner) === true,
      30_000,
    );
    expect(t.follower.state!.windows.get(window)!.submittedBy.has(miner)).toBe(false);
    const from = log().length;
    startDaemonProc(st, d);
    writeState(st);
    await waitFor(
      `miner0's reveal for window ${window} on chain`,
      () => t.follower.state?.windows.get(window)?.submittedBy.has(miner) === true,
      60_000,
    );
    const since = log().slice(from);
    expect(since).toMatch(/reveal journal: 1 pending reveal\(s\) loaded/);
    expect(since).toMatch(new RegExp(`reveal journal: revealing window ${window} `));
    expect(since).toMatch(/submitGradient accepted/);
    // No unrevealed-commitment slash: its stake is whole.
    expect(t.follower.state!.roles.get(roleKey(Role.MINER, miner))!.stake).toBe(2_000n * REMES);
    // Done: the file goes once the reveal is on chain.
    await waitFor(
      `w${window}.rev deleted`,
      () => !fs.existsSync(path.join(journal, files[0]!)),
      10_000,
    );
  });
});

describe("a lost commitment on a live testnet", () => {
  // Every daemon of this testnet loses its first commitment (only miners send any).
  const t = liveTestnet("r3mes-lc-", 1, { [TEST_LOSE_COMMITS_ENV]: "1" });
  const { dir, waitFor } = t;

  it("is committed again from the journal three blocks on, then revealed", async () => {
    const miner = testnetAddresses(dir).miner0!;
    const log = () => fs.readFileSync(path.join(logsDir(dir), "miner0.log"), "utf8");
    await waitFor(
      "miner0 to lose its first commitment",
      () => /commitGradient lost/.test(log()),
      60_000,
    );
    const resend = /reveal journal: committing window (\d+) again/;
    await waitFor("the journal's resend", () => resend.test(log()), 30_000);
    const window = Number(resend.exec(log())![1]);
    await waitFor(
      `the resent commitment for window ${window} on chain`,
      () => t.follower.state?.windows.get(window)?.commitments.has(miner) === true,
      30_000,
    );
    await waitFor(
      `miner0's reveal for window ${window} on chain`,
      () => t.follower.state?.windows.get(window)?.submittedBy.has(miner) === true,
      60_000,
    );
    // One copy was lost, one resent: no refused commitment, no slash.
    expect(log()).not.toMatch(/commitGradient rejected/);
    expect(t.follower.state!.roles.get(roleKey(Role.MINER, miner))!.stake).toBe(2_000n * REMES);
  });
});
