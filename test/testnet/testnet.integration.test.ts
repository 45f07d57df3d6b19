/**
 * A real local testnet: 4 validators (app + CometBFT each), Kubo, 4 miners
 * (1 lazy), 1 proposer and 4 validator duty daemons, all separate processes.
 * The lazy miner is caught and slashed on chain, honest miners and the
 * proposer are rewarded, and every node agrees on every block and app hash;
 * kill -9 of a validator for ≥ 20 blocks, a pause and a partition each leave
 * the other three producing blocks, and the victim catches up and agrees;
 * the partition is a real one where this runs as root (each CometBFT in its
 * own network namespace, the victim's link to the bridge cut); no gradient
 * accepted before a kill is lost; `down` leaves no process, no listening
 * port and no network namespace or link behind.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChainFollower } from "../../src/actors/live/follower.ts";
import { decodeAggregateBlob } from "../../src/actors/live/world.ts";
import { openKuboStore } from "../../src/store/kubo.ts";
import { apiUrlOf } from "../../src/store/kubo-daemon.ts";
import { Role } from "../../src/gen/remes/v1/types_pb.ts";
import { roleKey } from "../../src/protocol/state.ts";
import { down } from "../../src/testnet/down.ts";
import { formatStatus, nodeStatuses } from "../../src/testnet/status.ts";
import { leftovers, nodeLinkUp, probeNetns } from "../../src/testnet/netns.ts";
import { checkInvariants } from "../../src/testnet/invariants.ts";
import { perturb } from "../../src/testnet/perturb.ts";
import { alive, listening, sleep, stopPid } from "../../src/testnet/procs.ts";
import {
  logsDir,
  readState,
  rpcUrl,
  testnetAddresses,
  type TestnetState,
  writeState,
} from "../../src/testnet/state.ts";
import { height, startDaemonProc, up } from "../../src/testnet/up.ts";
import { ensureCometbft, root } from "../node/harness.ts";
import { keepLogs, logTailsOnFailure, waitFor as waitForIt } from "./helpers.ts";
import { execFileSync } from "node:child_process";

const REMES = 1_000_000n;

describe("local testnet of real processes", () => {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "r3mes-tn-")), "net");
  logTailsOnFailure(dir);
  let s: TestnetState;
  let follower: ChainFollower;
  let firstBlockMs = 0;
  const heights = async (names: readonly string[]) =>
    Promise.all(names.map((n) => height(rpcUrl(s.nodes.find((x) => x.name === n)!))));
  const waitFor = (what: string, ok: () => Promise<boolean> | boolean, timeoutMs: number) =>
    waitForIt(dir, what, ok, timeoutMs);
  const top = async (names: readonly string[]) =>
    Math.min(...(await heights(names)).map((h) => h ?? -1));

  beforeAll(async () => {
    ensureCometbft();
    execFileSync("bash", [path.join(root, "scripts/setup-tools.sh")], { stdio: "pipe" });
    const r = await up({
      dir,
      validators: 4,
      miners: 4,
      proposers: 1,
      lazy: 1,
      blockTimeMs: 400,
      trainMs: 800,
      kubo: true,
      say: () => {},
    });
    s = r.state;
    firstBlockMs = r.firstBlockMs;
    follower = new ChainFollower(rpcUrl(s.nodes[0]!), () => {});
    void follower.run(async () => {}).catch(() => {});
  });
  afterAll(async () => {
    follower?.stop();
    keepLogs(dir);
    if (fs.existsSync(path.join(dir, "testnet.json"))) await down(dir, { keep: false });
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  });

  it("catches and slashes the lazy miner, rewards honest miners and the proposer, and every node agrees", async () => {
    console.log(`testnet: first block on all 4 nodes ${firstBlockMs} ms after up started`);
    const keys = testnetAddresses(dir);
    const lazy = keys.miner3!;
    const honest = ["miner0", "miner1", "miner2"].map((m) => keys[m]!);
    const stake = (a: string) => follower.state?.roles.get(roleKey(Role.MINER, a))?.stake ?? 0n;
    const balance = (a: string) => follower.state?.balances.get(a) ?? 0n;
    await waitFor(
      "the lazy miner's slash, honest rewards and a revealed aggregate",
      () =>
        follower.state !== undefined &&
        stake(lazy) < 2_000n * REMES &&
        honest.every((a) => balance(a) > 10_000n * REMES) &&
        balance(keys.proposer0!) > 10_000n * REMES &&
        // Aggregation follows the window's close, which the gradient reveal period puts 5 blocks later.
        [...follower.state.windows.values()].some((w) => w.aggregation?.revealed !== undefined),
      150_000,
    );
    expect(stake(lazy)).toBeLessThan(2_000n * REMES);
    for (const a of honest) expect(stake(a)).toBe(2_000n * REMES);
    const r = await checkInvariants(s);
    expect(r.violations).toEqual([]);
    expect(r.checkedHeight).toBeGreaterThan(10);
    // The proposer's aggregates are blobs in Kubo under the CIDs on chain, and the validators fetched them.
    const revealed = [...follower.state.windows.values()].flatMap((w) =>
      w.aggregation?.revealed ? [w.aggregation.revealed.aggregatedCid] : [],
    );
    expect(revealed.length).toBeGreaterThan(0);
    const kubo = openKuboStore(apiUrlOf(s.kubo!));
    for (const cid of revealed)
      expect(decodeAggregateBlob(await kubo.get(cid)).length).toBeGreaterThan(0);
    await kubo.close();
    const validatorLogs = [0, 1, 2, 3]
      .map((i) => fs.readFileSync(path.join(logsDir(dir), `validator${i}.log`), "utf8"))
      .join("\n");
    expect(validatorLogs).not.toMatch(/aggregate \S+ not fetched/);
    expect(validatorLogs).not.toContain("challengeAggregation accepted");
  });

  it("every node serves the app's and CometBFT's metrics where 'testnet status' says, and the app's count the slash, submissions and rewards", async () => {
    const scrape = async (url: string) =>
      (await (await fetch(url, { signal: AbortSignal.timeout(3000) })).text())
        .split("\n")
        .filter((l) => l !== "" && !l.startsWith("#"));
    const total = (lines: readonly string[], name: string, has = "") =>
      lines
        .filter((l) => l.split(/[{ ]/)[0] === name && l.includes(has))
        .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
    const statuses = await nodeStatuses(s);
    expect(formatStatus(s, statuses)).toContain("metrics: app http://127.0.0.1:");
    for (const n of statuses) {
      // The first test waited for the lazy miner's slash; each app's counters show it once that node has committed it.
      await waitFor(
        `${n.name}'s metrics to count the lazy miner's slash`,
        async () =>
          total(await scrape(n.metrics.app!), "r3mes_slashes_total", 'offence="lazy_mining"') > 0,
        60_000,
      );
      const app = await scrape(n.metrics.app!);
      const comet = await scrape(n.metrics.cometbft!);
      expect(total(app, "r3mes_submissions_total", 'status="submitted"'), n.name).toBeGreaterThan(
        0,
      );
      expect(
        total(app, "r3mes_rewards_minted_uremes_total", 'kind="miner"'),
        n.name,
      ).toBeGreaterThan(0);
      expect(
        total(app, "r3mes_txs_total", 'method="finalize_block",codespace="",code="0"'),
        n.name,
      ).toBeGreaterThan(0);
      expect(total(app, "r3mes_height"), n.name).toBeGreaterThan(10);
      expect(total(comet, "cometbft_consensus_height"), n.name).toBeGreaterThan(10);
      expect(total(comet, "cometbft_p2p_peers"), n.name).toBe(3);
    }
  });

  it("kill -9 of a validator for 20+ blocks: the rest go on, it catches up and agrees, no accepted gradient is lost", async () => {
    await sleep(3_000);
    // Gradient txs the mempools accepted so far (the miners' logs name their hashes).
    const accepted = ["miner0", "miner1", "miner2"].flatMap((m) =>
      [
        ...fs
          .readFileSync(path.join(logsDir(dir), `${m}.log`), "utf8")
          .matchAll(/submitGradient accepted into the mempool \(([0-9A-F]{64})\)/g),
      ].map((x) => x[1]!),
    );
    expect(accepted.length).toBeGreaterThan(0);
    await sleep(3_000); // let the last of them be committed
    await perturb(dir, "kill", "val3");
    const others = ["val0", "val1", "val2"];
    const at = await top(others);
    await waitFor("20 blocks without val3", async () => (await top(others)) >= at + 20, 60_000);
    expect(await height(rpcUrl(s.nodes[3]!))).toBeUndefined();
    // `testnet check` meanwhile: the three that run agree, and the stopped one is named, not left out in silence.
    const check = JSON.parse(
      execFileSync(
        process.execPath,
        [path.join(root, "bin/r3mes.js"), "testnet", "check", "--dir", dir, "--json"],
        { cwd: root, encoding: "utf8" },
      ),
    ) as { nodes: string[]; not_checked: string[]; violations: string[] };
    expect(check).toMatchObject({ nodes: others, not_checked: ["val3 (stopped)"], violations: [] });
    await perturb(dir, "restart", "val3");
    const target = await top(others);
    await waitFor(
      "val3 to catch up",
      async () => ((await heights(["val3"]))[0] ?? -1) >= target,
      90_000,
    );
    const r = await checkInvariants(readState(dir));
    expect(r.violations).toEqual([]);
    // Every accepted gradient tx is in a block, and the restarted node finds it.
    for (const hash of accepted) {
      const res = (await (await fetch(`${rpcUrl(s.nodes[3]!)}/tx?hash=0x${hash}`)).json()) as {
        result?: { tx_result: { code: number } };
      };
      expect(res.result, `tx ${hash}`).toBeDefined();
    }
  });

  it("runs each CometBFT in its own network namespace where it can (root), else on loopback with the reason", () => {
    const net = readState(dir).network!;
    const can = probeNetns();
    console.log(`testnet network: ${net.kind}${net.kind === "loopback" ? ` (${net.reason})` : ""}`);
    expect(net.kind).toBe(can === true ? "netns" : "loopback");
    if (net.kind === "loopback") expect(net.reason).toBe(can);
    else for (const n of readState(dir).nodes) expect(rpcUrl(n)).not.toContain("127.0.0.1");
  });

  it("pause and partition: the other three keep producing blocks and the victim rejoins", async () => {
    const all = ["val0", "val1", "val2", "val3"];
    for (const [stop, start, victim] of [
      ["pause", "resume", "val1"],
      ["partition", "heal", "val2"],
    ] as const) {
      await perturb(dir, stop, victim);
      const others = all.filter((n) => n !== victim);
      const at = await top(others);
      await waitFor(
        `10 blocks while ${victim} is ${stop}d`,
        async () => (await top(others)) >= at + 10,
        60_000,
      );
      if (stop === "partition") {
        // The victim stalls (its RPC still answers) while the rest go on.
        const h = (await heights([victim]))[0]!;
        expect(h).toBeLessThan(await top(others));
        await sleep(2_000);
        expect((await heights([victim]))[0]).toBe(h);
        const st = readState(dir);
        const v = st.nodes.find((n) => n.name === victim)!;
        if (st.network?.kind === "netns") {
          expect(nodeLinkUp(st.network, v.net!)).toBe(false);
        } else {
          const peers = (await (await fetch(`${rpcUrl(v)}/net_info`)).json()) as {
            result: { n_peers: string };
          };
          expect(peers.result.n_peers).toBe("0");
        }
        expect(fs.readFileSync(path.join(logsDir(dir), "network.log"), "utf8")).toContain(
          `${victim}: partitioned (${st.network?.kind === "netns" ? "netns" : "loopback fallback"}`,
        );
      }
      await perturb(dir, start, victim);
      const target = await top(others);
      await waitFor(
        `${victim} to rejoin`,
        async () => ((await heights([victim]))[0] ?? -1) >= target,
        90_000,
      );
    }
    const rejoinedAt = await top(all);
    const r = await checkInvariants(readState(dir), { replay: false });
    expect(r.violations).toEqual([]);
    expect(r.checkedHeight).toBeGreaterThanOrEqual(rejoinedAt);
  });

  it("a restarted daemon resumes from its local checkpoint, not from genesis, and sends no duty twice", async () => {
    const st = readState(dir);
    const d = st.daemons.find((x) => x.name === "miner0")!;
    const logFile = path.join(logsDir(dir), "miner0.log");
    await stopPid(d.pid);
    const from = fs.readFileSync(logFile, "utf8").length;
    const since = () => fs.readFileSync(logFile, "utf8").slice(from);
    startDaemonProc(st, d);
    writeState(st);
    await waitFor(
      "miner0 to catch up and submit again",
      () => /caught up at height/.test(since()) && /submitGradient accepted/.test(since()),
      90_000,
    );
    expect(since()).toMatch(
      /resuming from the local checkpoint at height \d+, replaying \d+ blocks/,
    );
    expect(since()).toMatch(/caught up at height \d+ \(resumed from the local checkpoint at \d+\)/);
    expect(since()).not.toContain("from genesis");
    expect(fs.readFileSync(logFile, "utf8")).not.toMatch(/submitGradient rejected/);
    expect(fs.existsSync(path.join(dir, "daemons", "miner0", "chain.db"))).toBe(true);
  });

  it("down stops every process and frees every port", async () => {
    const st = readState(dir);
    const pids = [
      ...st.nodes.flatMap((n) => [n.appPid, n.cometPid]),
      ...st.daemons.map((d) => d.pid),
      st.kubo?.pid,
    ].filter((p): p is number => !!p);
    const ports = [
      st.kubo!.api,
      st.kubo!.gateway,
      st.kubo!.swarm,
      ...(st.network?.kind === "netns" ? [] : st.nodes.flatMap((n) => [n.rpcPort, n.p2pPort])),
    ];
    follower.stop();
    keepLogs(dir);
    const r = await down(dir, { keep: false });
    expect(r.stillListening).toEqual([]);
    expect(r.leftovers).toEqual([]);
    for (const p of pids) expect(alive(p), `pid ${p}`).toBe(false);
    for (const p of ports) expect(await listening(p), `port ${p}`).toBe(false);
    if (st.network?.kind === "netns") {
      expect(leftovers(st.network.id)).toEqual([]);
      const all =
        execFileSync("ip", ["netns", "list"], { encoding: "utf8" }) +
        execFileSync("ip", ["-o", "link", "show"], { encoding: "utf8" });
      expect(all).not.toContain(`r3mes-${st.network.id}-`);
      expect(all).not.toContain(`r3-${st.network.id}-`);
    }
    expect(fs.existsSync(dir)).toBe(false);
  });
});
