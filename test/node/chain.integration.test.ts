/**
 * A real single-node chain: `r3mes node start` runs the app and CometBFT,
 * blocks are produced, a clean stop and restart continues at the next height
 * with the same hashes, and — the equivalence of the two runtimes — the
 * committed blocks (txs included) replayed through a fresh in-process app
 * give the app hash CometBFT recorded at every height. Fees: a tx below
 * the node's minimum gas price is refused with code 13, a paid fee moves to
 * the fee collector and supply is conserved.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { makeCosmoshubPath, SigningStargateClient } from "@cosmjs/stargate";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { Request, Response } from "cosmjs-types/tendermint/abci/types";
import { bytesToHex } from "@noble/hashes/utils.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RemesApp } from "../../src/node/app.ts";
import { fetchFinalizeRequest, parseRfc3339 } from "../../src/node/replay.ts";
import { serveFrame } from "../../src/node/server.ts";
import { remesRegistry } from "../../src/node/registry.ts";
import { checkState } from "../../src/protocol/invariants.ts";
import { ModuleAccount } from "../../src/protocol/state.ts";
import { LocalChain, TEST_MNEMONIC } from "./harness.ts";

describe("r3mes node start (real CometBFT)", () => {
  let chain: LocalChain;
  beforeAll(async () => {
    chain = await LocalChain.create();
  }, 240_000);
  afterAll(async () => {
    await chain?.stop();
    chain?.remove();
  });

  it("produces blocks, stops on SIGTERM and continues after a restart with unchanged app hashes", async () => {
    chain.start();
    await chain.waitForHeight(4);
    const info = (await (await fetch(`${chain.rpc}/abci_info`)).json()) as {
      result: { response: { data: string; last_block_height: string } };
    };
    expect(info.result.response.data).toBe("r3mes");
    const before = await Promise.all([1, 2, 3].map((h) => chain.appHashAfter(h)));
    await chain.stop();
    expect(await chain.status()).toBeUndefined();

    chain.start();
    const h = await chain.waitForHeight(7);
    expect(h).toBeGreaterThanOrEqual(7);
    expect(await Promise.all([1, 2, 3].map((x) => chain.appHashAfter(x)))).toEqual(before);
  }, 120_000);

  it("a fresh in-process app fed the committed blocks reproduces every app hash", async () => {
    const wallet = await DirectSecp256k1HdWallet.fromMnemonic(TEST_MNEMONIC, {
      prefix: "remes",
      hdPaths: [makeCosmoshubPath(0), makeCosmoshubPath(1)],
    });
    const [dev, other] = (await wallet.getAccounts()).map((a) => a.address) as [string, string];
    const client = await SigningStargateClient.connectWithSigner(chain.rpc, wallet, {
      registry: remesRegistry(),
    });
    const otherBefore = BigInt((await client.getBalance(other, "uremes")).amount);
    // The node's minimum gas price (node init default 0.01uremes): 200,000 gas needs 2,000 uremes.
    await expect(
      client.sendTokens(dev, other, [{ denom: "uremes", amount: "5" }], {
        amount: [],
        gas: "200000",
      }),
    ).rejects.toThrow(/code 13\b|insufficient fee/);
    await expect(
      client.sendTokens(dev, other, [{ denom: "uremes", amount: "5" }], {
        amount: [{ denom: "uremes", amount: "1999" }],
        gas: "200000",
      }),
    ).rejects.toThrow(/insufficient fee: got 1999uremes, this node requires 2000uremes/);
    for (let i = 0; i < 3; i++) {
      const r = await client.sendTokens(
        dev,
        other,
        [{ denom: "uremes", amount: String(1000 + i) }],
        { amount: [{ denom: "uremes", amount: "2500" }], gas: "200000" },
      );
      expect(r.code).toBe(0);
    }
    expect(BigInt((await client.getBalance(other, "uremes")).amount)).toBe(otherBefore + 3003n);
    client.disconnect();
    // One more block moves the last fees to the validators' pay (validator-rewards.ts, at the start of the next block).
    const top = (await chain.status())!.height + 1;
    await chain.waitForHeight(top + 1);

    const genesis = JSON.parse(
      fs.readFileSync(path.join(chain.home, "config/genesis.json"), "utf8"),
    ) as { chain_id: string; genesis_time: string; app_state: unknown };
    const app = new RemesApp({ dbPath: ":memory:" });
    const call = async (req: Request) =>
      Response.decode(
        await serveFrame(Request.encode(Request.fromPartial(req)).finish(), app.handle),
      );
    await call({
      initChain: {
        time: parseRfc3339(genesis.genesis_time),
        chainId: genesis.chain_id,
        validators: [],
        appStateBytes: new TextEncoder().encode(JSON.stringify(genesis.app_state)),
        initialHeight: 1n,
      },
    });
    let txs = 0;
    // Each block first pays out what the collector held, then collects its own txs' fees: the sum of what it holds after each block is every fee paid.
    let collected = 0n;
    for (let height = 1; height <= top; height++) {
      const { request: req } = await fetchFinalizeRequest(chain.rpc, height);
      txs += req.txs.length;
      const res = await call({ finalizeBlock: req });

      expect(res.finalizeBlock?.txResults.every((t) => t.code === 0)).toBe(true);
      expect(
        bytesToHex(res.finalizeBlock!.appHash).toUpperCase(),
        `app hash after height ${height}`,
      ).toBe(await chain.appHashAfter(height));
      await call({ commit: {} });
      collected += app.state!.balances.get(ModuleAccount.feeCollector) ?? 0n;
    }
    expect(txs).toBeGreaterThanOrEqual(3);
    // Fees are charged before the messages, to the fee collector, and move at the start of the next block
    // to the validator_pay pool, accrued to the validators who signed (paid every validator_pay_period_blocks;
    // this short chain ends before the first payout); supply is conserved and every state invariant holds.
    expect(collected).toBe(3n * 2500n);
    expect(app.state!.balances.get(ModuleAccount.feeCollector) ?? 0n).toBe(0n);
    expect(top).toBeLessThan(app.state!.params.validatorPayPeriodBlocks);
    expect(app.state!.balances.get(ModuleAccount.validatorPay)).toBe(3n * 2500n);
    expect([...app.state!.validatorPay.values()].reduce((t, a) => t + a.fees, 0n)).toBe(3n * 2500n);
    expect(checkState(app.state!)).toEqual([]);
    app.close();
  }, 120_000);
  it("keeps making blocks while RPC clients call /abci_info and /abci_query without pause (an Info between FinalizeBlock and Commit once stopped the node)", async () => {
    if ((await chain.status()) === undefined) chain.start();
    const from = await chain.waitForHeight(1);
    let calls = 0;
    let stop = false;
    const hammer = async () => {
      while (!stop) {
        await fetch(`${chain.rpc}/abci_info`).then(
          (r) => r.text(),
          () => "",
        );
        await fetch(`${chain.rpc}/abci_query?path="/remes.remes.v1.Query/Params"`).then(
          (r) => r.text(),
          () => "",
        );
        calls += 2;
      }
    };
    const loops = Array.from({ length: 8 }, hammer);
    try {
      expect(await chain.waitForHeight(from + 15)).toBeGreaterThanOrEqual(from + 15);
    } finally {
      stop = true;
      await Promise.all(loops);
    }
    expect(calls).toBeGreaterThan(200);
    expect(await chain.status()).toBeDefined();
  }, 120_000);
});
