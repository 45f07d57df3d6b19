/**
 * Crash safety against real processes: the app and CometBFT run as two
 * processes; `kill -9` the app mid-run (CometBFT goes down with it), restart
 * both, then `kill -9` CometBFT alone and restart it. Heights continue, the
 * app hash recorded at every earlier height is unchanged, and no committed
 * tx is lost (the recipient's balance is the sum of every committed send).
 */
import { makeCosmoshubPath, SigningStargateClient, StargateClient } from "@cosmjs/stargate";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { remesRegistry } from "../../src/node/registry.ts";
import { LocalChain, sleep, TEST_MNEMONIC } from "./harness.ts";

describe("crash and restart", () => {
  let chain: LocalChain;
  beforeAll(async () => {
    chain = await LocalChain.create();
  }, 240_000);
  afterAll(async () => {
    await chain?.stop();
    chain?.remove();
  });

  it("keeps heights, app hashes and committed txs across kill -9 of the app and of CometBFT", async () => {
    const wallet = await DirectSecp256k1HdWallet.fromMnemonic(TEST_MNEMONIC, {
      prefix: "remes",
      hdPaths: [makeCosmoshubPath(0), makeCosmoshubPath(1)],
    });
    const [dev, other] = (await wallet.getAccounts()).map((a) => a.address) as [string, string];
    let committed = 0n;
    const send = async (amount: bigint) => {
      const client = await SigningStargateClient.connectWithSigner(chain.rpc, wallet, {
        registry: remesRegistry(),
      });
      const r = await client.sendTokens(dev, other, [{ denom: "uremes", amount: String(amount) }], {
        amount: [{ denom: "uremes", amount: "2000" }],
        gas: "200000",
      });
      client.disconnect();
      expect(r.code).toBe(0);
      committed += amount;
    };
    const hashes = async (upTo: number) =>
      Promise.all(Array.from({ length: upTo }, (_, i) => chain.appHashAfter(i + 1)));
    const balance = async () => {
      const c = await StargateClient.connect(chain.rpc);
      const b = (await c.getBalance(other, "uremes")).amount;
      c.disconnect();
      return BigInt(b);
    };

    chain.startApp();
    await chain.startComet();
    await chain.waitForHeight(3);
    for (const a of [101n, 102n, 103n]) await send(a);
    const h1 = (await chain.status())!.height;
    const before1 = await hashes(h1 - 1);
    await sleep(137); // somewhere inside the next block's processing
    await chain.kill9("app");
    await chain.kill9("comet");

    chain.startApp();
    await chain.startComet();
    await chain.waitForHeight(h1 + 3);
    expect(await hashes(h1 - 1)).toEqual(before1);
    expect(await balance()).toBe(committed);
    for (const a of [201n, 202n]) await send(a);

    const h2 = (await chain.status())!.height;
    const before2 = await hashes(h2 - 1);
    await sleep(211);
    await chain.kill9("comet");
    await chain.startComet();
    await chain.waitForHeight(h2 + 3);
    expect(await hashes(h2 - 1)).toEqual(before2);
    expect(await balance()).toBe(committed);
    await send(301n);
    expect(await balance()).toBe(committed);
  }, 240_000);
});
