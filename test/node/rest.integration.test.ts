/**
 * The REST gateway of a real single-node chain (`r3mes node start --rest`)
 * with plain fetch: each endpoint's status and JSON shape; a tx signed by
 * stock cosmjs (offline) is simulated (gas_info) and broadcast through REST,
 * then found by hash and by search, and stock cosmjs over RPC sees the
 * same tx at the same height; `node chain-info` describes this chain.
 */
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { makeCosmoshubPath, SigningStargateClient, StargateClient } from "@cosmjs/stargate";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keplrChainInfo } from "../../src/node/chain-info.ts";
import { remesRegistry } from "../../src/node/registry.ts";
import { freePort, LocalChain, sleep, TEST_MNEMONIC } from "./harness.ts";

const fee = { amount: [{ denom: "uremes", amount: "4000" }], gas: "400000" };

describe("REST gateway against a real chain", () => {
  let chain: LocalChain;
  let rest: string;
  beforeAll(async () => {
    chain = await LocalChain.create();
    const port = await freePort();
    rest = `http://127.0.0.1:${port}`;
    chain.start(["--rest", String(port)]);
    await chain.waitForHeight(2);
    // The gateway listens once the app does; give it a moment after the first blocks.
    for (let i = 0; i < 100; i++) {
      const ok = await fetch(`${rest}/cosmos/base/tendermint/v1beta1/syncing`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      await sleep(100);
    }
  }, 240_000);
  afterAll(async () => {
    await chain?.stop();
    chain?.remove();
  });

  const get = async (path: string) => {
    const r = await fetch(rest + path);
    return { status: r.status, body: (await r.json()) as Record<string, any> };
  };
  const post = async (path: string, body: unknown) => {
    const r = await fetch(rest + path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: r.status, body: (await r.json()) as Record<string, any> };
  };

  it("answers node info, blocks, accounts, balances, protocol queries; simulates, broadcasts and finds a tx", async () => {
    const info = await get("/cosmos/base/tendermint/v1beta1/node_info");
    expect(info.status).toBe(200);
    expect(info.body.default_node_info).toMatchObject({
      network: "remes-test",
      default_node_id: expect.stringMatching(/^[0-9a-f]{40}$/),
      protocol_version: { block: "11" },
    });
    expect(info.body.application_version).toMatchObject({ name: "r3mes", app_name: "r3mes" });

    const latest = await get("/cosmos/base/tendermint/v1beta1/blocks/latest");
    expect(latest.status).toBe(200);
    expect(latest.body.block.header).toMatchObject({
      chain_id: "remes-test",
      height: expect.stringMatching(/^[0-9]+$/),
      app_hash: expect.stringMatching(/^[A-Za-z0-9+/]{43}=$/),
    });
    expect(latest.body.block_id.hash).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(latest.body.sdk_block.header.proposer_address).toMatch(/^remesvalcons1/);
    const one = await get("/cosmos/base/tendermint/v1beta1/blocks/1");
    expect(one.body.block.header.height).toBe("1");
    expect((await get("/cosmos/base/tendermint/v1beta1/blocks/999999999")).status).toBe(400);

    const wallet = await DirectSecp256k1HdWallet.fromMnemonic(TEST_MNEMONIC, {
      prefix: "remes",
      hdPaths: [makeCosmoshubPath(0), makeCosmoshubPath(1)],
    });
    const [dev, other] = (await wallet.getAccounts()).map((a) => a.address) as [string, string];
    const acct = await get(`/cosmos/auth/v1beta1/accounts/${dev}`);
    expect(acct.status).toBe(200);
    expect(acct.body.account).toMatchObject({
      "@type": "/cosmos.auth.v1beta1.BaseAccount",
      address: dev,
      account_number: "0",
      sequence: "0",
    });
    const missing = await get(`/cosmos/auth/v1beta1/accounts/${other}`);
    expect(missing).toMatchObject({ status: 404, body: { code: 5, details: [] } });
    const bal = await get(`/cosmos/bank/v1beta1/balances/${dev}`);
    expect(bal.body).toMatchObject({
      balances: [{ denom: "uremes", amount: expect.stringMatching(/^[1-9][0-9]*$/) }],
      pagination: { next_key: null, total: "1" },
    });

    // A bank send signed by stock cosmjs, offline, with the account REST gave.
    const signer = await SigningStargateClient.offline(wallet, { registry: remesRegistry() });
    const signed = await signer.sign(
      dev,
      [
        {
          typeUrl: "/cosmos.bank.v1beta1.MsgSend",
          value: {
            fromAddress: dev,
            toAddress: other,
            amount: [{ denom: "uremes", amount: "777" }],
          },
        },
      ],
      fee,
      "via rest",
      {
        accountNumber: BigInt(acct.body.account.account_number),
        sequence: Number(acct.body.account.sequence),
        chainId: "remes-test",
      },
    );
    const txBytes = Buffer.from(TxRaw.encode(signed).finish()).toString("base64");
    const sim = await post("/cosmos/tx/v1beta1/simulate", { tx_bytes: txBytes });
    expect(sim.status).toBe(200);
    expect(sim.body.gas_info).toEqual({
      gas_wanted: "400000",
      gas_used: expect.stringMatching(/^[1-9][0-9]*$/),
    });
    const sent = await post("/cosmos/tx/v1beta1/txs", {
      tx_bytes: txBytes,
      mode: "BROADCAST_MODE_SYNC",
    });
    expect(sent.status).toBe(200);
    expect(sent.body.tx_response).toMatchObject({ code: 0, height: "0", raw_log: "" });
    const hash = sent.body.tx_response.txhash as string;
    expect(hash).toMatch(/^[0-9A-F]{64}$/);
    // The same bytes again: CometBFT's cache refuses them, the SDK's code 19 in a 200.
    const again = await post("/cosmos/tx/v1beta1/txs", {
      tx_bytes: txBytes,
      mode: "BROADCAST_MODE_SYNC",
    });
    expect(again.status).toBe(200);
    expect(again.body.tx_response.code).not.toBe(0);

    let found = await get(`/cosmos/tx/v1beta1/txs/${hash}`);
    for (let i = 0; i < 100 && found.status === 404; i++) {
      await sleep(200);
      found = await get(`/cosmos/tx/v1beta1/txs/${hash}`);
    }
    expect(found.status).toBe(200);
    expect(found.body.tx_response).toMatchObject({
      txhash: hash,
      code: 0,
      height: expect.stringMatching(/^[1-9][0-9]*$/),
      timestamp: expect.stringMatching(/^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$/),
      tx: { "@type": "/cosmos.tx.v1beta1.Tx" },
    });
    expect(found.body.tx.body).toMatchObject({
      memo: "via rest",
      messages: [
        {
          "@type": "/cosmos.bank.v1beta1.MsgSend",
          from_address: dev,
          to_address: other,
          amount: [{ denom: "uremes", amount: "777" }],
        },
      ],
    });
    expect(found.body.tx_response.events.length).toBeGreaterThan(0);
    const inBlock = await get(`/cosmos/tx/v1beta1/txs/block/${found.body.tx_response.height}`);
    expect(inBlock.status).toBe(200);
    expect(inBlock.body.txs.map((t: { body: { memo: string } }) => t.body.memo)).toContain(
      "via rest",
    );
    const vals = await get("/cosmos/base/tendermint/v1beta1/validatorsets/latest");
    expect(vals.status).toBe(200);
    expect(vals.body.validators).toEqual([
      {
        address: latest.body.sdk_block.header.proposer_address,
        pub_key: { "@type": "/cosmos.crypto.ed25519.PubKey", key: expect.any(String) },
        voting_power: expect.stringMatching(/^[1-9][0-9]*$/),
        proposer_priority: expect.any(String),
      },
    ]);
    // Stock cosmjs over RPC sees the same tx at the same height.
    const reader = await StargateClient.connect(chain.rpc);
    expect((await reader.getTx(hash))?.height).toBe(Number(found.body.tx_response.height));
    expect((await reader.getBalance(other, "uremes")).amount).toBe("777");
    reader.disconnect();

    const search = await get(
      `/cosmos/tx/v1beta1/txs?query=${encodeURIComponent(`message.sender='${dev}'`)}`,
    );
    expect(search.status).toBe(200);
    expect(search.body.tx_responses.map((t: { txhash: string }) => t.txhash)).toContain(hash);
    expect(search.body.total).toMatch(/^[1-9][0-9]*$/);
    const byEvents = await get(
      `/cosmos/tx/v1beta1/txs?events=${encodeURIComponent(`tx.height=${found.body.tx_response.height}`)}`,
    );
    expect(byEvents.body.tx_responses.map((t: { txhash: string }) => t.txhash)).toContain(hash);
    // A query CometBFT cannot parse: passed on as the SDK does (code 2, HTTP 500), the reason in the message.
    expect(await get("/cosmos/tx/v1beta1/txs?query=%27%27%27")).toMatchObject({
      status: 500,
      body: { code: 2, message: expect.any(String), details: [] },
    });
    expect((await get(`/cosmos/tx/v1beta1/txs/${"0".repeat(64)}`)).status).toBe(404);

    expect(
      (await get(`/cosmos/bank/v1beta1/balances/${other}/by_denom?denom=uremes`)).body,
    ).toEqual({ balance: { denom: "uremes", amount: "777" } });
    const params = await get("/remes/remes/v1/params");
    expect(params.status).toBe(200);
    expect(params.body.params.window_blocks).toEqual(expect.any(Number));
    expect((await get(`/remes/remes/v1/miner/${other}`)).status).toBe(404);
    expect((await get("/remes/remes/v1/trap_stats")).body).toMatchObject({
      traps_revealed: expect.any(String),
    });
    expect(await get("/cosmos/staking/v1beta1/validators")).toEqual({
      status: 501,
      body: { code: 12, message: "Not Implemented", details: [] },
    });

    // chain-info describes this chain: its id, its RPC.
    const keplr = keplrChainInfo({ home: chain.home, rest });
    expect(keplr).toMatchObject({ chainId: "remes-test", rpc: chain.rpc, rest });
    expect(keplr.chainId).toBe(info.body.default_node_info.network);
  }, 120_000);
});
