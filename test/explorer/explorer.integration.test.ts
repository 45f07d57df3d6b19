/**
 * The explorer in a real browser (playwright-core driving Debian's
 * chromium, scripts/setup-browser.sh) against a real single-validator
 * chain started with `r3mes node start --explorer PORT`: a miner registers,
 * commits and reveals a gradient through stock cosmjs; every page loads
 * without a script error or a CSP violation; the numbers shown match the
 * chain's own queries (height, a balance, the miner's stake, its
 * submission, trap stats); a bank send made while the home page is open
 * appears on it live, without a reload. Screenshots of each page go to
 * test-results/explorer/.
 */
import { create, toJson } from "@bufbuild/protobuf";
import { sha256 } from "@noble/hashes/sha2.js";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { makeCosmoshubPath, SigningStargateClient } from "@cosmjs/stargate";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { CID } from "multiformats/cid";
import * as Digest from "multiformats/hashes/digest";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { remes } from "../../src/explorer/web/format.ts";
import { ParamsSchema } from "../../src/gen/remes/v1/params_pb.ts";
import { GpuArch, Role } from "../../src/gen/remes/v1/types_pb.ts";
import { encodeObject, remesRegistry } from "../../src/node/registry.ts";
import { command } from "../../src/protocol/commands.ts";
import { gradientCommitment } from "../../src/protocol/gradient-commits.ts";
import { merkleRoot } from "../../src/protocol/merkle.ts";
import { demoParams } from "../../src/protocol/testing/demo-world.ts";
import { freePort, LocalChain, root, sleep, TEST_MNEMONIC } from "../node/harness.ts";

const fee = { amount: [{ denom: "uremes", amount: "4000" }], gas: "400000" };
const SHOTS = path.join(root, "test-results/explorer");
const CHROMIUM = process.env.R3MES_CHROMIUM ?? "/usr/bin/chromium";
const started = Date.now();

describe("the explorer in a real browser", () => {
  let chain: LocalChain;
  let url: string;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    chain = await LocalChain.create({
      params: toJson(ParamsSchema, create(ParamsSchema, { ...demoParams(), windowBlocks: 20 })),
    });
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    chain.start(["--explorer", String(port)]);
    await chain.waitForHeight(2);
    for (let i = 0; i < 300; i++) {
      if (
        await fetch(`${url}/`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      await sleep(100);
    }
    fs.mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("console", (m) => {
      // A failed request is logged as an error too: responses are judged below instead.
      if (/^Failed to load resource/.test(m.text())) return;
      if (m.type() === "error" || /Content.Security.Policy/i.test(m.text()))
        problems.push(`console ${m.type()}: ${m.text()}`);
    });
    // Only a protocol query's 404 is expected (no revealed aggregation yet, a pruned window).
    page.on("response", (r) => {
      if (r.status() >= 400 && !(r.status() === 404 && r.url().includes("/api/remes/remes/v1/")))
        problems.push(`${r.status()} ${r.url()}`);
    });
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await chain?.stop();
    chain?.remove();
  });

  const api = async (p: string) => (await (await fetch(`${url}/api${p}`)).json()) as any;
  const rpcStatus = async () =>
    Number(
      ((await (await fetch(`${url}/rpc/status`)).json()) as any).result.sync_info
        .latest_block_height,
    );
  /** Opens a route and waits until its view has drawn. */
  const open = async (route: string, view: string) => {
    await page.evaluate(
      (r) => ((globalThis as unknown as { location: { hash: string } }).location.hash = r),
      `#/${route}`,
    );
    await page.waitForSelector(
      `main[data-view="${view}"][data-route=${JSON.stringify(`#/${route}`)}]`,
      {
        timeout: 30_000,
      },
    );
    expect(await page.locator("main .error").count(), String(await page.textContent("main"))).toBe(
      0,
    );
  };
  const shot = (name: string) =>
    page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  const shown = async (key: string) =>
    (await page.locator(`[data-k="${key}"]`).first().textContent())!.trim();

  it("shows the chain's blocks, txs, windows, a miner's console and protocol pages, and a new tx live", async () => {
    const wallet = await DirectSecp256k1HdWallet.fromMnemonic(TEST_MNEMONIC, {
      prefix: "remes",
      hdPaths: [makeCosmoshubPath(0), makeCosmoshubPath(1)],
    });
    const [dev, miner] = (await wallet.getAccounts()).map((a) => a.address) as [string, string];
    const client = await SigningStargateClient.connectWithSigner(chain.rpc, wallet, {
      registry: remesRegistry(),
    });

    // A miner: funded, registered, then a gradient committed and revealed in a window.
    const funded = await client.sendTokens(
      dev,
      miner,
      [{ denom: "uremes", amount: "5000000000" }],
      fee,
    );
    expect(funded.code).toBe(0);
    const reg = await client.signAndBroadcast(
      miner,
      [
        encodeObject(
          command("registerMiner", { miner, stake: 2_000_000_000n, gpuArch: GpuArch.AMPERE }),
        ),
      ],
      fee,
    );
    expect(reg.code, reg.rawLog).toBe(0);
    let info = await api(`/remes/remes/v1/miner/${miner}`);
    const startOf = async (w: string) =>
      Number((await api(`/remes/remes/v1/window/${w}`)).start_height);
    // Assigned, and far enough from the commit phase's end (20 blocks) to commit in it.
    for (
      let i = 0;
      i < 400 &&
      (!info.assigned || (await client.getHeight()) > (await startOf(info.window)) + 20 - 8);
      i++
    ) {
      await sleep(200);
      info = await api(`/remes/remes/v1/miner/${miner}`);
    }
    expect(info.assigned).toBe(true);
    const hash = sha256(new TextEncoder().encode("explorer gradient"));
    const submit = command("submitGradient", {
      miner,
      window: BigInt(info.window),
      shard: info.shard,
      gradientCid: CID.createV1(0x55, Digest.create(0x12, hash)).toString(),
      gradientHash: hash,
      daRoot: merkleRoot([hash]),
      sizeBytes: 1_000n,
      claimedLossMicro: 1_500_000n,
      gpuArch: GpuArch.AMPERE,
      kernelVersion: "bitnet-cpu/1",
      salt: sha256(new TextEncoder().encode("salt")),
    });
    const commit = command("commitGradient", {
      miner,
      window: BigInt(info.window),
      shard: info.shard,
      commitment: gradientCommitment(submit.value as Parameters<typeof gradientCommitment>[0]),
    });
    const com = await client.signAndBroadcast(miner, [encodeObject(commit)], fee);
    expect(com.code, com.rawLog).toBe(0);
    const commitEnd = (await startOf(info.window)) + 20 - 1;
    while ((await client.getHeight()) < commitEnd) await sleep(100);
    const sub = await client.signAndBroadcast(miner, [encodeObject(submit)], fee);
    expect(sub.code, sub.rawLog).toBe(0);
    const win = String(info.window);
    // A partial unbonding: pending on the console until params.unbonding_blocks pass.
    const unbond = await client.signAndBroadcast(
      miner,
      [encodeObject(command("unbond", { address: miner, role: Role.MINER, amount: 500_000_000n }))],
      fee,
    );
    expect(unbond.code, unbond.rawLog).toBe(0);

    // Home: the height shown is the chain's.
    const before = await rpcStatus();
    await page.goto(`${url}/`);
    await page.waitForSelector("body[data-ready=true] main[data-view=home]", { timeout: 60_000 });
    const height = Number((await shown("height")).replace(/,/g, ""));
    expect(height).toBeGreaterThanOrEqual(before);
    expect(height).toBeLessThanOrEqual(await rpcStatus());
    expect(await page.locator("[data-testid=blocks] tbody tr").count()).toBeGreaterThan(0);
    expect(await page.locator("main svg.chart").count()).toBe(1);
    // Txs made before the page opened, from the tx index (proposers' beacon txs are no txs).
    await page.waitForSelector(`[data-testid=txs] a[data-hash="${sub.transactionHash}"]`);
    expect(await page.textContent("#live")).toBe("live");
    await shot("home");

    // A tx made now appears on the open page, live: the page is never reloaded (the marker survives).
    await page.evaluate(() => ((globalThis as unknown as { marker: number }).marker = 42));
    const other = (await DirectSecp256k1HdWallet.generate(12, { prefix: "remes" })).getAccounts();
    const to = (await other)[0]!.address;
    const liveStart = Date.now();
    const send = await client.sendTokens(dev, to, [{ denom: "uremes", amount: "1234567" }], fee);
    expect(send.code).toBe(0);
    await page.waitForSelector(`[data-testid=txs] a[data-hash="${send.transactionHash}"]`, {
      timeout: 20_000,
    });
    const liveMs = Date.now() - liveStart;
    expect(await page.evaluate(() => (globalThis as unknown as { marker?: number }).marker)).toBe(
      42,
    );
    await shot("home-live-tx");

    // The tx and its block.
    await open(`tx/${send.transactionHash}`, "tx");
    expect(await shown("height")).toBe(String(send.height));
    expect(await page.locator(`main a[href="#/address/${to}"]`).count()).toBeGreaterThan(0);
    expect(await page.textContent("main")).toContain(remes(1234567n));
    await shot("tx");
    await open(`block/${send.height}`, "block");
    expect(await shown("height")).toBe(String(send.height));
    expect(
      await page.locator(`[data-testid=block-txs] a[data-hash="${send.transactionHash}"]`).count(),
    ).toBe(1);
    await shot("block");

    // The receiver's balance and the miner's console match the chain's queries.
    await open(`address/${to}`, "address");
    expect(await shown("balance")).toBe(remes(1234567n));
    expect(await shown("roles")).toBe("none");
    const roles = await api(`/remes/remes/v1/address_roles/${miner}`);
    const bank = await api(`/cosmos/bank/v1beta1/balances/${miner}`);
    await open(`address/${miner}`, "address");
    expect(await shown("balance")).toBe(remes(bank.balances[0].amount));
    expect(roles.balance).toBe(bank.balances[0].amount);
    expect(await shown("staked")).toBe(remes(roles.roles[0].stake));
    expect(roles.roles[0]).toMatchObject({ role: "ROLE_MINER", stake: "1500000000" });
    expect(await page.textContent("[data-testid=roles]")).toContain(remes(1_500_000_000n));
    expect(roles.unbondings).toEqual([
      expect.objectContaining({ role: "ROLE_MINER", amount: "500000000" }),
    ]);
    const pending = page.locator("[data-testid=unbondings] tbody tr");
    expect(await pending.count()).toBe(1);
    expect(await pending.first().textContent()).toContain(remes(500_000_000n));
    expect(await pending.first().textContent()).toContain(
      Number(roles.unbondings[0].completion_height).toLocaleString("en-US"),
    );
    const subRow = page.locator("[data-testid=address-submissions] tbody tr");
    expect(await subRow.count()).toBe(1);
    expect(await subRow.first().textContent()).toContain(win);
    expect(
      await page.locator(`[data-testid=address-txs] a[data-hash="${reg.transactionHash}"]`).count(),
    ).toBe(1);
    // What it received: the funding send, from the dev account (the Cosmos SDK's bank events).
    const receivedRow = page.locator("[data-testid=address-received] tbody tr");
    expect(await receivedRow.count()).toBe(1);
    expect(
      await page
        .locator(`[data-testid=address-received] a[data-hash="${funded.transactionHash}"]`)
        .count(),
    ).toBe(1);
    expect(await receivedRow.first().textContent()).toContain(remes(5_000_000_000n));
    await shot("address-miner");

    // Windows: the miner's submission in its window.
    await open("windows", "windows");
    expect(await page.locator(`[data-testid=windows] a[href="#/window/${win}"]`).count()).toBe(1);
    await shot("windows");
    await open(`window/${win}`, "window");
    const subs = page.locator("[data-testid=submissions] tbody tr");
    expect(await subs.count()).toBe(1);
    expect(await subs.first().textContent()).toContain("1.500000");
    // Tier 1 ran at the window's close: one replica on its shard, so the submission is optimistic.
    expect(await subs.first().textContent()).toMatch(/optimistic|verified|mismatched/);
    await shot("window");

    // Trap stats as the query gives them; the other protocol pages load.
    const traps = await api("/remes/remes/v1/trap_stats");
    await open("traps", "traps");
    expect(await shown("traps_revealed")).toBe(traps.traps_revealed);
    await shot("traps");
    for (const name of ["disputes", "aggregations", "slashes", "rewards", "governance"]) {
      await open(name, name);
      await shot(name);
    }
    // A deeper look-back from the route (?depth=N): the page reads the blocks it lacks and draws.
    await open("rewards?depth=2000", "rewards");
    expect(problems).toEqual([]);

    // Bundle and duration figures for the report.
    const js = await (await fetch(`${url}/app.js`)).arrayBuffer();
    console.log(
      JSON.stringify({
        explorer_browser_test: {
          app_js_bytes: js.byteLength,
          live_tx_ms: liveMs,
          chain_height: await rpcStatus(),
          seconds: Math.round((Date.now() - started) / 1000),
        },
      }),
    );
  });

  it("r3mes explorer serves the same against the node's RPC and stops on SIGINT", async () => {
    const port = await freePort();
    const p = spawn(
      process.execPath,
      ["bin/r3mes.js", "explorer", "--rpc", chain.rpc, "--listen", String(port)],
      { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    p.stdout!.on("data", (d) => (out += d));
    p.stderr!.on("data", (d) => (out += d));
    try {
      for (let i = 0; i < 300 && !out.includes("r3mes explorer: http://"); i++) await sleep(100);
      expect(out).toContain(`r3mes explorer: http://127.0.0.1:${port}`);
      const base = `http://127.0.0.1:${port}`;
      expect((await fetch(`${base}/app.js`)).status).toBe(200);
      const info = (await (
        await fetch(`${base}/api/cosmos/base/tendermint/v1beta1/node_info`)
      ).json()) as any;
      expect(info.default_node_info.network).toBe("remes-test");
      expect((await fetch(`${base}/rpc/broadcast_tx_async?tx="AA=="`)).status).toBe(403);
    } finally {
      p.kill("SIGINT");
    }
    const code = await new Promise<number | null>((r) =>
      p.exitCode !== null ? r(p.exitCode) : p.once("exit", (c) => r(c)),
    );
    expect([0, 130]).toContain(code);
  });

  it("serves a strict CSP and refuses writes: broadcast RPCs, POSTs to the gateway", async () => {
    const home = await fetch(`${url}/`);
    expect(home.headers.get("content-security-policy")).toMatch(/script-src 'self'/);
    expect(await home.text()).not.toMatch(/<script>|<script [^>]*>[^<]/);
    expect((await fetch(`${url}/rpc/broadcast_tx_sync?tx="AA=="`)).status).toBe(403);
    expect((await fetch(`${url}/rpc/status`)).status).toBe(200);
    expect(
      (await fetch(`${url}/api/cosmos/tx/v1beta1/txs`, { method: "POST", body: "{}" })).status,
    ).toBe(405);
  });
});
