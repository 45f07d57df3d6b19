/**
 * Joining a running network (docs/operators.md): a 4-validator testnet runs
 * until it has snapshots; a fifth node made by `r3mes node init --genesis
 * --peers --state-sync` restores one (CometBFT's state sync through the app's
 * snapshot connection) and a sixth, without --state-sync, replays every block
 * from genesis. Both reach the tip and computed the validators' app hash at
 * every height they executed; then the state-synced node's operator registers
 * its consensus key and the node signs commits.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { afterAll, describe, expect, it } from "vitest";
import { Keyring } from "../../src/keys/keyring.ts";
import { UREMES_PER_REMES } from "../../src/protocol/params.ts";
import { joinHome } from "../../src/node/join.ts";
import { cometbftBinary } from "../../src/node/tools.ts";
import { down } from "../../src/testnet/down.ts";
import { freePort, sleep, spawnDetached, spawnR3mes, stopPid } from "../../src/testnet/procs.ts";
import { rpcUrl, TESTNET_SCRYPT } from "../../src/testnet/state.ts";
import { createTestnet, startNodeProcs, waitForHeight } from "../../src/testnet/up.ts";
import { ensureCometbft, TEST_MNEMONIC } from "./harness.ts";

const SNAPSHOT_INTERVAL = 10;
const BLOCK_MS = 1000;

const rpcGet = async <T>(rpc: string, q: string): Promise<T> => {
  const r = (await (await fetch(`${rpc}/${q}`, { signal: AbortSignal.timeout(5000) })).json()) as {
    result?: T;
    error?: unknown;
  };
  if (!r.result) throw new Error(`${rpc}/${q}: ${JSON.stringify(r.error)}`);
  return r.result;
};
interface Status {
  sync_info: {
    latest_block_height: string;
    earliest_block_height: string;
    catching_up: boolean;
  };
}
const status = async (rpc: string) => {
  const s = (await rpcGet<Status>(rpc, "status")).sync_info;
  return {
    height: Number(s.latest_block_height),
    earliest: Number(s.earliest_block_height),
    catchingUp: s.catching_up,
  };
};
/** The app hash this node's own app returned for block h (FinalizeBlock), not the header's copy. */
const ownAppHash = async (rpc: string, h: number) =>
  (await rpcGet<{ app_hash: string }>(rpc, `block_results?height=${h}`)).app_hash;
const signersAt = async (rpc: string, h: number) =>
  (
    await rpcGet<{
      signed_header: {
        commit: { signatures: { validator_address: string; block_id_flag: number }[] };
      };
    }>(rpc, `commit?height=${h}`)
  ).signed_header.commit.signatures
    .filter((s) => s.block_id_flag === 2)
    .map((s) => s.validator_address);

const until = async <T>(what: string, f: () => Promise<T | undefined>, ms: number): Promise<T> => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}`);
};

describe("joining a running network", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "r3mes-join-"));
  const pids: number[] = [];
  afterAll(async () => {
    for (const p of pids) await stopPid(p);
    await down(dir, { keep: false }).catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("a config CometBFT would refuse fails at init, and leaves no home behind", async () => {
    ensureCometbft();
    const genesisFile = path.join(dir, "refused-genesis.json");
    fs.writeFileSync(genesisFile, JSON.stringify({ chain_id: "net-1", app_state: {} }));
    const home = path.join(dir, "refused");
    await expect(
      joinHome({
        home,
        genesisFile,
        peers: [`${"a".repeat(40)}@127.0.0.1:26656`],
        rpcLaddr: "tcp://127.0.0.1:26657",
        p2pLaddr: "tcp://127.0.0.1:26656",
        proxyApp: `unix://${home}/abci.sock`,
        blockTime: "1s",
        // Only CometBFT's own check (ValidateBasic) knows a negative timeout is wrong.
        config: { "consensus.timeout_propose": '"-1s"' },
      }),
    ).rejects.toThrow(/CometBFT refuses the config it was given: .*\[consensus\].*timeout_propose/);
    expect(fs.existsSync(path.join(home, "config"))).toBe(false);
  });

  it("a node joins by state sync and another by replay; both agree on every app hash, and the state-synced one becomes a validator that signs", async () => {
    ensureCometbft();
    const t0 = Date.now();
    const s = await createTestnet({
      dir,
      validators: 4,
      miners: 0,
      proposers: 0,
      lazy: 0,
      blockTimeMs: BLOCK_MS,
      trainMs: 0,
      kubo: false,
      network: "loopback",
      snapshotInterval: SNAPSHOT_INTERVAL,
      say: () => {},
    });
    // The joiner's operator: funded in the network's genesis (the testnet's own accounts hold less than a validator's stake).
    const wallet = await DirectSecp256k1HdWallet.fromMnemonic(TEST_MNEMONIC, { prefix: "remes" });
    const operator = (await wallet.getAccounts())[0]!.address;
    const genesisFile = path.join(s.nodes[0]!.home, "config/genesis.json");
    const doc = JSON.parse(fs.readFileSync(genesisFile, "utf8")) as {
      app_state: { accounts: { address: string; balance: string }[] };
    };
    doc.app_state.accounts.push({ address: operator, balance: String(50_000n * UREMES_PER_REMES) });
    for (const n of s.nodes)
      fs.writeFileSync(
        path.join(n.home, "config/genesis.json"),
        `${JSON.stringify(doc, null, 2)}\n`,
      );
    await Promise.all(s.nodes.map((n) => startNodeProcs(s, n)));
    for (const n of s.nodes) pids.push(n.appPid!, n.cometPid!);
    const rpcs = s.nodes.map(rpcUrl);
    // Two snapshots (10 and 20) and the headers after them.
    await waitForHeight(rpcs, 2 * SNAPSHOT_INTERVAL + 2, 120_000);
    const networkUpMs = Date.now() - t0;

    const peers = s.nodes.map((n) => `${n.nodeId}@127.0.0.1:${n.p2pPort}`);
    const loopback = { "p2p.addr_book_strict": "false", "p2p.allow_duplicate_ip": "true" };
    const joiner = async (name: string, stateSync: boolean) => {
      const home = path.join(dir, "joiners", name);
      const rpcPort = await freePort();
      const p2pPort = await freePort();
      const args = [
        "node",
        "init",
        "--home",
        home,
        "--genesis",
        genesisFile,
        "--peers",
        peers.join(","),
        "--rpc-laddr",
        `tcp://127.0.0.1:${rpcPort}`,
        "--p2p-laddr",
        `tcp://127.0.0.1:${p2pPort}`,
        "--proxy-app",
        `unix://${home}/abci.sock`,
        "--block-time",
        `${BLOCK_MS}ms`,
        "--moniker",
        name,
        ...Object.entries(loopback).flatMap(([k, v]) => ["--config", `${k}=${v}`]),
      ];
      return { home, rpc: `http://127.0.0.1:${rpcPort}`, args, stateSync };
    };
    const ss = await joiner("statesync", true);
    const rp = await joiner("replay", false);
    // The state-sync joiner through the CLI, as an operator runs it (the output is checked below); the replay joiner through the function.
    const initOut = execFileSync(
      process.execPath,
      [
        "bin/r3mes.js",
        ...ss.args,
        "--state-sync",
        `${rpcs[1]},${rpcs[2]}`,
        "--snapshot-interval",
        String(SNAPSHOT_INTERVAL),
        "--config",
        'statesync.discovery_time="5s"',
      ],
      { encoding: "utf8" },
    );
    const trustHeight = Number(/trust height ([0-9]+)/.exec(initOut)?.[1]);
    expect(trustHeight % SNAPSHOT_INTERVAL, initOut).toBe(0);
    expect(trustHeight).toBeGreaterThanOrEqual(2 * SNAPSHOT_INTERVAL);
    const config = fs.readFileSync(path.join(ss.home, "config/config.toml"), "utf8");
    expect(config).toMatch(/\[statesync\]\s+[^[]*enable = true/);
    expect(config).toContain(`trust_height = ${trustHeight}`);
    expect(fs.existsSync(path.join(ss.home, "dev-account.json"))).toBe(false);
    expect(fs.readFileSync(path.join(ss.home, "config/genesis.json"), "utf8")).toBe(
      fs.readFileSync(genesisFile, "utf8"),
    );
    await joinHome({
      home: rp.home,
      genesisFile,
      peers,
      rpcLaddr: rp.args[rp.args.indexOf("--rpc-laddr") + 1]!,
      p2pLaddr: rp.args[rp.args.indexOf("--p2p-laddr") + 1]!,
      proxyApp: `unix://${rp.home}/abci.sock`,
      blockTime: `${BLOCK_MS}ms`,
      moniker: "replay",
      config: loopback,
    });

    const startJoiner = async (j: typeof ss) => {
      pids.push(
        spawnR3mes(
          ["node", "app", "--home", j.home, "--snapshot-interval", String(SNAPSHOT_INTERVAL)],
          path.join(j.home, "app.out"),
        ),
      );
      for (let i = 0; i < 300 && !fs.existsSync(path.join(j.home, "abci.sock")); i++)
        await sleep(100);
      pids.push(
        spawnDetached(
          cometbftBinary(),
          ["start", "--home", j.home],
          path.join(j.home, "cometbft.log"),
        ),
      );
    };
    const tJoin = Date.now();
    await Promise.all([startJoiner(ss), startJoiner(rp)]);
    const caughtUp = async (j: typeof ss) => {
      const st = await status(j.rpc);
      const tip = (await status(rpcs[0]!)).height;
      return !st.catchingUp && st.height >= tip - 1 ? st : undefined;
    };
    const logTail = (j: typeof ss) =>
      ["cometbft.log", "app.out", "logs/app.log"]
        .map((f) => path.join(j.home, f))
        .filter((f) => fs.existsSync(f))
        .map((f) => fs.readFileSync(f, "utf8").split("\n").slice(-12).join("\n"))
        .join("\n---\n");
    const withLogs = (j: typeof ss) => async (e: Error) => {
      throw new Error(`${e.message}; logs of ${j.home}:\n${logTail(j)}`);
    };
    const ssUp = await until("the state-sync joiner at the tip", () => caughtUp(ss), 120_000).catch(
      withLogs(ss),
    );
    const ssJoinMs = Date.now() - tJoin;
    const rpUp = await until("the replay joiner at the tip", () => caughtUp(rp), 120_000).catch(
      withLogs(rp),
    );
    const rpJoinMs = Date.now() - tJoin;

    // State sync, not replay: CometBFT restored a snapshot through the app, and holds no block below it.
    const cometLog = fs.readFileSync(path.join(ss.home, "cometbft.log"), "utf8");
    expect(cometLog).toContain("Snapshot restored");
    const restored = Number(
      /state sync restored the snapshot at height ([0-9]+)/.exec(
        fs.readFileSync(path.join(ss.home, "logs/app.log"), "utf8"),
      )?.[1],
    );
    expect(restored).toBeGreaterThanOrEqual(trustHeight);
    expect(restored % SNAPSHOT_INTERVAL).toBe(0);
    expect(ssUp.earliest).toBe(restored + 1);
    expect(fs.readFileSync(path.join(rp.home, "cometbft.log"), "utf8")).not.toContain(
      "Snapshot restored",
    );
    expect(rpUp.earliest).toBe(1);

    // Each joiner's own app computed the validators' app hash at every block it executed.
    const top = Math.min(ssUp.height, rpUp.height);
    for (let h = 1; h <= top; h++) {
      const theirs = await ownAppHash(rpcs[h % 4]!, h);
      expect(await ownAppHash(rp.rpc, h), `replay joiner, height ${h}`).toBe(theirs);
      if (h > restored)
        expect(await ownAppHash(ss.rpc, h), `state-sync joiner, height ${h}`).toBe(theirs);
    }

    // The state-synced node becomes a validator: its operator registers the node's consensus key (with the proof of
    // possession) through the node's own RPC. 45,000 of 125,000 power: the four others hold 80,000, less than two
    // thirds, so from then on no block commits without the joiner's precommit (a smaller joiner signed only when
    // its vote beat the others' on a busy machine; see validator-set.integration.test.ts).
    const key = JSON.parse(
      fs.readFileSync(path.join(ss.home, "config/priv_validator_key.json"), "utf8"),
    ) as { address: string };
    const keyring = [
      "--keyring-dir",
      path.join(dir, "op-keyring"),
      "--passphrase-file",
      path.join(dir, "op-pass"),
    ];
    fs.writeFileSync(path.join(dir, "op-pass"), "correct horse battery\n");
    await new Keyring({ dir: path.join(dir, "op-keyring"), scrypt: TESTNET_SCRYPT }).import(
      "op",
      TEST_MNEMONIC,
      "correct horse battery",
    );
    const r3mes = (...args: string[]) =>
      execFileSync(process.execPath, ["bin/r3mes.js", ...args], { encoding: "utf8" });
    const registered = r3mes(
      "validator",
      "register",
      "--home",
      ss.home,
      "--rpc",
      ss.rpc,
      "--from",
      "op",
      "--stake",
      "45000",
      ...keyring,
    );
    expect(registered).toContain(`registered ${operator} as a validator with 45000 REMES`);
    const power = await until(
      "the joiner in the validator set",
      async () =>
        (
          await rpcGet<{ validators: { address: string; voting_power: string }[] }>(
            rpcs[0]!,
            "validators?per_page=100",
          )
        ).validators.find((v) => v.address === key.address)?.voting_power,
      60_000,
    );
    expect(power).toBe("45000");
    // /validators answers for the next height (CometBFT's latest uncommitted one): the joiner signs from there on.
    const from = (await status(rpcs[0]!)).height + 1;
    const signed = await until(
      "a commit signed by the joiner",
      async () => {
        const tip = (await status(rpcs[0]!)).height;
        for (let h = from; h <= tip; h++)
          if ((await signersAt(rpcs[0]!, h)).includes(key.address)) return h;
        return undefined;
      },
      90_000,
    ).catch(withLogs(ss));
    expect(signed).toBeGreaterThanOrEqual(from);
    // Without its precommit the others lack two thirds: every commit since it has power carries its signature.
    const tip = (await status(rpcs[0]!)).height;
    for (let h = from; h <= tip; h++)
      expect(await signersAt(rpcs[0]!, h), `commit ${h}`).toContain(key.address);

    console.log(
      JSON.stringify({
        network_up_s: networkUpMs / 1000,
        trust_height: trustHeight,
        restored_height: restored,
        state_sync_join_s: ssJoinMs / 1000,
        replay_join_s: rpJoinMs / 1000,
        replay_blocks: rpUp.height,
        heights_compared: top,
        joiner_signed_at: signed,
        total_s: (Date.now() - t0) / 1000,
      }),
    );
  }, 300_000);
});
