/**
 * The REST gateway in process: queries go to a real app (the test node,
 * through appRpc), the CometBFT-only calls (status, block, header, tx,
 * tx_search, broadcast) to a small fake that answers in CometBFT 0.38's
 * RPC dialect from the blocks the test node executed. Each endpoint's
 * status and JSON shape is the Cosmos SDK grpc-gateway's; bad input gets a
 * 4xx with `{code, message, details}`, never a throw (a property over random
 * paths and bodies). The same endpoints against a real chain:
 * rest.integration.test.ts.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bech32 } from "@scure/base";
import { CheckTxType } from "cosmjs-types/tendermint/abci/types";
import fc from "fast-check";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { Query } from "../../src/gen/remes/v1/query_pb.ts";
import { GpuArch } from "../../src/gen/remes/v1/types_pb.ts";
import { keplrChainInfo, registryChainJson } from "../../src/node/chain-info.ts";
import { MAX_PAGE_SIZE, restHandler, restRoutes } from "../../src/node/rest.ts";
import { REST_MAX_BODY_BYTES, serveRest } from "../../src/node/rest-http.ts";
import { appRpc, httpRpc, type Rpc, RpcError, rpcUrlOf } from "../../src/node/rest-rpc.ts";
import { writeAppConfig } from "../../src/node/run.ts";
import { signTx, txKeyOf } from "../../src/node/sign.ts";
import { TestNode } from "../../src/node/testing/test-node.ts";
import { gasUsedOf, parseGasPrice, type GasPrice } from "../../src/node/tx.ts";
import { command } from "../../src/protocol/commands.ts";
import { defaultParams } from "../../src/protocol/params.ts";

const CHAIN_ID = "rest-test";
const key = (label: string) => txKeyOf(sha256(new TextEncoder().encode(`rest/${label}`)));
const alice = key("alice");
const bob = key("bob");
const FUNDS = 10n * defaultParams().minMinerStake;
const FEE = 5_000n;
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex").toUpperCase();
const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");

/** A chain of one block: alice registers as a miner and sends bob 1,000 uremes. */
const chain = () => {
  const node = TestNode.init({
    chainId: CHAIN_ID,
    genesis: { accounts: [{ address: alice.address, balance: FUNDS }] },
  });
  const txs = [
    signTx(
      alice,
      [
        command("registerMiner", {
          miner: alice.address,
          stake: defaultParams().minMinerStake,
          gpuArch: GpuArch.AMPERE,
        }),
      ],
      { chainId: CHAIN_ID, accountNumber: 0n, sequence: 0n, fee: FEE },
    ),
    signTx(
      alice,
      [command("send", { fromAddress: alice.address, toAddress: bob.address, amount: 1_000n })],
      { chainId: CHAIN_ID, accountNumber: 0n, sequence: 1n, fee: FEE, memo: "hi" },
    ),
  ];
  const height = node.height + 1;
  const results = node
    .block()
    .txs(...txs)
    .execute().txResults;
  const rpcTxs = txs.map((tx, index) => {
    const r = results[index]!;
    return {
      hash: hex(sha256(tx)),
      height: String(height),
      index,
      tx_result: {
        code: r.code,
        data: b64(r.data),
        log: r.log,
        info: r.info,
        gas_wanted: r.gasWanted.toString(),
        gas_used: r.gasUsed.toString(),
        events: r.events.map((e) => ({
          type: e.type,
          attributes: e.attributes.map((a) => ({ key: a.key, value: a.value, index: a.index })),
        })),
        codespace: r.codespace,
      },
      tx: b64(tx),
    };
  });
  return { node, txs, height, rpcTxs };
};

/** A CometBFT 0.38 `block` result (hashes in hex, flags as numbers). */
const rpcBlock = (height: number, txs: readonly Uint8Array[] = []) => ({
  block_id: { hash: "AB".repeat(32), parts: { total: 1, hash: "CD".repeat(32) } },
  block: {
    header: {
      version: { block: "11", app: "1" },
      chain_id: CHAIN_ID,
      height: String(height),
      time: "2026-12-06T00:00:11.000000000Z",
      last_block_id: { hash: "01".repeat(32), parts: { total: 1, hash: "02".repeat(32) } },
      last_commit_hash: "03".repeat(32),
      data_hash: "04".repeat(32),
      validators_hash: "05".repeat(32),
      next_validators_hash: "05".repeat(32),
      consensus_hash: "06".repeat(32),
      app_hash: "07".repeat(32),
      last_results_hash: "",
      evidence_hash: "",
      proposer_address: "0A".repeat(20),
    },
    data: { txs: txs.map(b64) },
    evidence: { evidence: [] },
    last_commit: {
      height: String(height - 1),
      round: 0,
      block_id: { hash: "01".repeat(32), parts: { total: 1, hash: "02".repeat(32) } },
      signatures: [
        {
          block_id_flag: 2,
          validator_address: "0A".repeat(20),
          timestamp: "2026-12-06T00:00:10.000000000Z",
          signature: b64(new Uint8Array(64).fill(9)),
        },
        {
          block_id_flag: 1,
          validator_address: "",
          timestamp: "0001-01-01T00:00:00Z",
          signature: null,
        },
      ],
    },
  },
});

interface Calls {
  method: string;
  params: Record<string, unknown>;
}

/** The app for abci_query, the fake for the rest; `calls` records what the gateway asked. */
const gateway = (c = chain(), extra: Partial<Record<string, Rpc>> = {}) => {
  const calls: Calls[] = [];
  const queries = appRpc(c.node.app.handle);
  const rpc: Rpc = async (method, params) => {
    calls.push({ method, params });
    const own = extra[method];
    if (own) return own(method, params);
    switch (method) {
      case "abci_query":
        return queries(method, params);
      case "abci_info":
        return { response: { data: "r3mes", version: "0.1.0", app_version: "1" } };
      case "status":
        return {
          node_info: {
            protocol_version: { p2p: "8", block: "11", app: "1" },
            id: "ab".repeat(20),
            listen_addr: "tcp://127.0.0.1:26656",
            network: CHAIN_ID,
            version: "0.38.17",
            channels: "40202122233038606100",
            moniker: "r3mes-local",
            other: { tx_index: "on", rpc_address: "tcp://127.0.0.1:26657" },
          },
          sync_info: { latest_block_height: String(c.height), catching_up: false },
        };
      case "block": {
        const h = Number(params.height ?? c.height);
        if (h > c.height)
          throw new RpcError(
            "error",
            "Internal error",
            `height ${h} must be less than or equal to the current blockchain height ${c.height}`,
          );
        return rpcBlock(h, h === c.height ? c.txs : []);
      }
      case "validators":
        return {
          block_height: String(params.height ?? c.height),
          validators: [
            {
              address: "0A".repeat(20),
              pub_key: { type: "tendermint/PubKeyEd25519", value: b64(new Uint8Array(32).fill(3)) },
              voting_power: "10",
              proposer_priority: "-5",
            },
          ],
          count: "1",
          total: "1",
        };
      case "header":
        return rpcBlock(Number(params.height)).block;
      case "tx": {
        const h = Buffer.from(String(params.hash), "base64").toString("hex").toUpperCase();
        const t = c.rpcTxs.find((x) => x.hash === h);
        if (!t)
          throw new RpcError("error", "Internal error", `tx (${h}) not found, err: %!w(<nil>)`);
        return t;
      }
      case "tx_search": {
        // A proposer's beacon tx, indexed as any tx, comes first.
        const beacon = {
          ...c.rpcTxs[0]!,
          hash: "EE".repeat(32),
          tx: b64(Uint8Array.of(0xff, 0x72, 0x62, 0x31, 1, 2, 3)),
        };
        return { txs: [beacon, ...c.rpcTxs], total_count: String(c.rpcTxs.length + 1) };
      }
      case "broadcast_tx_sync": {
        const tx = Buffer.from(String(params.tx), "base64");
        const r = c.node.app.checkTx(tx, CheckTxType.NEW);
        return {
          code: r.code,
          data: b64(r.data),
          log: r.log,
          codespace: r.codespace,
          hash: hex(sha256(tx)),
        };
      }
    }
    throw new RpcError("error", "Method not found", method);
  };
  return { handle: restHandler(rpc), calls, c };
};

const get = (path: string) => {
  const [p, q] = path.split("?");
  return { method: "GET", path: p!, query: new URLSearchParams(q ?? "") };
};
const post = (path: string, body: unknown) => ({
  method: "POST",
  path,
  query: new URLSearchParams(),
  body: new TextEncoder().encode(typeof body === "string" ? body : JSON.stringify(body)),
});

const expectError = (r: { status: number; body: unknown }, status: number, code: number) => {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  expect(r.body).toEqual({ code, message: expect.any(String), details: [] });
};

describe("REST gateway, in process", () => {
  it("answers auth accounts and bank balances as the SDK does", async () => {
    const { handle } = gateway();
    const a = await handle(get(`/cosmos/auth/v1beta1/accounts/${alice.address}`));
    expect(a.status).toBe(200);
    expect(a.body).toEqual({
      account: {
        "@type": "/cosmos.auth.v1beta1.BaseAccount",
        address: alice.address,
        pub_key: { "@type": "/cosmos.crypto.secp256k1.PubKey", key: b64(alice.pubkey) },
        account_number: "0",
        sequence: "2",
      },
    });
    // Bob has received funds but never signed: an account without a key, as the SDK shows it.
    const bAcct = await handle(get(`/cosmos/auth/v1beta1/accounts/${bob.address}`));
    expect(bAcct).toEqual({
      status: 200,
      body: {
        account: {
          "@type": "/cosmos.auth.v1beta1.BaseAccount",
          address: bob.address,
          pub_key: null,
          account_number: "1",
          sequence: "0",
        },
      },
    });
    const unknown = bech32.encode("remes", bech32.toWords(new Uint8Array(20)));
    expect(await handle(get(`/cosmos/auth/v1beta1/accounts/${unknown}`))).toEqual({
      status: 404,
      body: { code: 5, message: `account ${unknown} not found`, details: [] },
    });
    expectError(await handle(get(`/cosmos/auth/v1beta1/accounts/cosmos1xyz`)), 400, 3);

    const balances = await handle(get(`/cosmos/bank/v1beta1/balances/${bob.address}`));
    expect(balances).toEqual({
      status: 200,
      body: {
        balances: [{ denom: "uremes", amount: "1000" }],
        pagination: { next_key: null, total: "1" },
      },
    });
    const none = await handle(get(`/cosmos/bank/v1beta1/balances/${unknown}`));
    expect(none.body).toEqual({ balances: [], pagination: { next_key: null, total: "0" } });
    expect(
      (await handle(get(`/cosmos/bank/v1beta1/balances/${bob.address}/by_denom?denom=uremes`)))
        .body,
    ).toEqual({ balance: { denom: "uremes", amount: "1000" } });
    expectError(await handle(get(`/cosmos/bank/v1beta1/balances/${bob.address}/by_denom`)), 400, 3);
    expect(
      (await handle(get(`/cosmos/bank/v1beta1/spendable_balances/${bob.address}`))).body,
    ).toEqual(balances.body);
  });

  it("serves every query of query.proto at /remes/remes/v1/…, as proto3 JSON with proto field names", async () => {
    const { handle } = gateway();
    // One route per method of the Query service: snake_case name, then each request field.
    expect(restRoutes.filter((r) => r.startsWith("GET /remes/remes/v1/"))).toEqual([
      "GET /remes/remes/v1/params",
      "GET /remes/remes/v1/get_model_params",
      "GET /remes/remes/v1/miner/{address}",
      "GET /remes/remes/v1/get_gradient/{submission_id}",
      "GET /remes/remes/v1/window/{window}",
      "GET /remes/remes/v1/get_aggregation/{window}",
      "GET /remes/remes/v1/trap_stats",
      "GET /remes/remes/v1/proposals",
      "GET /remes/remes/v1/address_roles/{address}",
    ]);
    expect(Query.methods).toHaveLength(9);
    const params = await handle(get("/remes/remes/v1/params"));
    expect(params.status).toBe(200);
    const p = (params.body as { params: Record<string, unknown> }).params;
    // uint32 as a number, uint64 as a string (proto3 JSON).
    expect(p.window_blocks).toBe(defaultParams().windowBlocks);
    expect(p.min_miner_stake).toBe(String(defaultParams().minMinerStake));
    expect(Object.keys(p).every((k) => /^[a-z0-9_]+$/.test(k))).toBe(true);

    const miner = await handle(get(`/remes/remes/v1/miner/${alice.address}`));
    expect(miner.status).toBe(200);
    expect(miner.body).toMatchObject({
      miner: {
        address: alice.address,
        role: "ROLE_MINER",
        stake: String(defaultParams().minMinerStake),
        unbonding: "0",
        gpu_arch: "GPU_ARCH_AMPERE",
      },
      assigned: expect.any(Boolean),
      shard: expect.any(Number),
      window: expect.any(String),
    });
    expectError(await handle(get(`/remes/remes/v1/miner/${bob.address}`)), 404, 5);
    // The explorer's address page: every role, pending unbondings, the balance.
    const roles = await handle(get(`/remes/remes/v1/address_roles/${alice.address}`));
    expect(roles.status).toBe(200);
    expect(roles.body).toMatchObject({
      roles: [
        {
          address: alice.address,
          role: "ROLE_MINER",
          stake: String(defaultParams().minMinerStake),
          unbonding: "0",
        },
      ],
      unbondings: [],
    });
    const bank = await handle(
      get(`/cosmos/bank/v1beta1/balances/${alice.address}/by_denom?denom=uremes`),
    );
    expect((roles.body as { balance: string }).balance).toBe(
      (bank.body as { balance: { amount: string } }).balance.amount,
    );
    expect((await handle(get(`/remes/remes/v1/address_roles/${bob.address}`))).body).toEqual({
      roles: [],
      unbondings: [],
      balance: "1000",
      assigned: false,
      shard: 0,
      window: "0",
    });
    expectError(await handle(get("/remes/remes/v1/address_roles/nobody")), 400, 3);
    expect((await handle(get("/remes/remes/v1/trap_stats"))).body).toEqual({
      traps_revealed: "0",
      miners_caught: "0",
      miners_passed: "0",
      vault_entries: "0",
    });
    expect((await handle(get("/remes/remes/v1/proposals"))).body).toEqual({ proposals: [] });
    expect((await handle(get("/remes/remes/v1/get_model_params"))).status).toBe(200);
    expectError(await handle(get("/remes/remes/v1/get_gradient/7")), 404, 5);
    expectError(await handle(get("/remes/remes/v1/get_gradient/seven")), 400, 3);
    expectError(await handle(get("/remes/remes/v1/get_gradient/-1")), 400, 3);
    // Ids above 2^53 - 1 are refused by name (query.ts), not truncated.
    expectError(await handle(get(`/remes/remes/v1/window/${2 ** 53}`)), 400, 3);
    expectError(await handle(get("/remes/remes/v1/get_aggregation/0")), 404, 5);
  });

  it("simulates a tx (gas_info) and refuses bad tx bytes with 400", async () => {
    const { handle } = gateway();
    const tx = signTx(
      bob,
      [command("send", { fromAddress: bob.address, toAddress: alice.address, amount: 1n })],
      { chainId: CHAIN_ID, accountNumber: 1n, sequence: 0n },
    );
    const r = await handle(post("/cosmos/tx/v1beta1/simulate", { tx_bytes: b64(tx) }));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toEqual({
      gas_info: {
        gas_wanted: expect.stringMatching(/^[0-9]+$/),
        gas_used: gasUsedOf(tx.length, 1).toString(),
      },
      result: { data: "", log: "", events: [], msg_responses: [] },
    });
    // A tx the app refuses: as the SDK, code 2 (Unknown) with HTTP 500; malformed bodies are 400.
    const refused = await handle(post("/cosmos/tx/v1beta1/simulate", { tx_bytes: "AQID" }));
    expectError(refused, 500, 2);
    expect((refused.body as { message: string }).message).toMatch(
      /With gas wanted: '0' and gas used: '0' $/,
    );
    expectError(await handle(post("/cosmos/tx/v1beta1/simulate", { tx_bytes: "@@" })), 400, 3);
    expectError(await handle(post("/cosmos/tx/v1beta1/simulate", {})), 400, 3);
    expectError(await handle(post("/cosmos/tx/v1beta1/simulate", "{not json")), 400, 3);
    expectError(await handle(post("/cosmos/tx/v1beta1/simulate", [1])), 400, 3);
  });

  it("finds a tx by hash and by search, with the SDK's Tx and TxResponse shapes", async () => {
    const { handle, calls, c } = gateway();
    const hash = c.rpcTxs[1]!.hash;
    const r = await handle(get(`/cosmos/tx/v1beta1/txs/${hash.toLowerCase()}`));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const body = r.body as { tx: Record<string, unknown>; tx_response: Record<string, unknown> };
    expect(body.tx_response).toMatchObject({
      height: String(c.height),
      txhash: hash,
      code: 0,
      codespace: "",
      logs: [],
      gas_wanted: expect.stringMatching(/^[0-9]+$/),
      gas_used: expect.stringMatching(/^[0-9]+$/),
      // Go's time.RFC3339, as the SDK formats the block time: whole seconds.
      timestamp: "2026-12-06T00:00:11Z",
      tx: { "@type": "/cosmos.tx.v1beta1.Tx", ...body.tx },
    });
    expect(body.tx).toEqual({
      body: {
        messages: [
          {
            "@type": "/remes.remes.v1.MsgSend",
            from_address: alice.address,
            to_address: bob.address,
            amount: "1000",
          },
        ],
        memo: "hi",
        timeout_height: "0",
        extension_options: [],
        non_critical_extension_options: [],
      },
      auth_info: {
        signer_infos: [
          {
            public_key: { "@type": "/cosmos.crypto.secp256k1.PubKey", key: b64(alice.pubkey) },
            mode_info: { single: { mode: "SIGN_MODE_DIRECT" } },
            sequence: "1",
          },
        ],
        fee: {
          amount: [{ denom: "uremes", amount: String(FEE) }],
          gas_limit: expect.stringMatching(/^[0-9]+$/),
          payer: "",
          granter: "",
        },
        tip: null,
      },
      signatures: [expect.any(String)],
    });
    const events = body.tx_response.events as { type: string; attributes: unknown[] }[];
    expect(events.length).toBeGreaterThan(0);
    for (const e of events)
      for (const a of e.attributes)
        expect(a).toEqual({
          key: expect.any(String),
          value: expect.any(String),
          index: expect.any(Boolean),
        });
    // The register tx: a remes Msg, its fields by proto name.
    const reg = await handle(get(`/cosmos/tx/v1beta1/txs/${c.rpcTxs[0]!.hash}`));
    expect((reg.body as { tx: { body: { messages: unknown[] } } }).tx.body.messages).toEqual([
      {
        "@type": "/remes.remes.v1.MsgRegisterMiner",
        miner: alice.address,
        stake: String(defaultParams().minMinerStake),
        gpu_arch: "GPU_ARCH_AMPERE",
      },
    ]);

    expectError(await handle(get(`/cosmos/tx/v1beta1/txs/${"0".repeat(64)}`)), 404, 5);
    // Not hex: the SDK passes Go's hex error on (code 2, HTTP 500).
    expect(await handle(get("/cosmos/tx/v1beta1/txs/xyz"))).toEqual({
      status: 500,
      body: { code: 2, message: "encoding/hex: invalid byte: U+0078 'x'", details: [] },
    });
    expectError(await handle(get("/cosmos/tx/v1beta1/txs/abc")), 500, 2);

    const search = await handle(
      get(
        `/cosmos/tx/v1beta1/txs?query=${encodeURIComponent(`message.sender='${alice.address}'`)}&limit=1000&order_by=ORDER_BY_DESC`,
      ),
    );
    expect(search.status).toBe(200);
    expect(search.body).toMatchObject({ total: "3", pagination: null });
    // The beacon tx is left out of both lists.
    const sb = search.body as { txs: unknown[]; tx_responses: { txhash: string }[] };
    expect(sb.tx_responses.map((t) => t.txhash)).toEqual(c.rpcTxs.map((t) => t.hash));
    expect(sb.txs).toHaveLength(2);
    // The page size is capped, the order passed on.
    expect(calls.find((x) => x.method === "tx_search")!.params).toMatchObject({
      query: `message.sender='${alice.address}'`,
      per_page: String(MAX_PAGE_SIZE),
      page: "1",
      order_by: "desc",
    });
    // Old clients' events=…: checked as the SDK checks them, ANDed as given.
    calls.length = 0;
    await handle(
      get(
        `/cosmos/tx/v1beta1/txs?events=${encodeURIComponent(`message.sender='${alice.address}'`)}&events=tx.height%3D2&page=2&limit=5`,
      ),
    );
    expect(calls.find((x) => x.method === "tx_search")!.params).toMatchObject({
      query: `message.sender='${alice.address}' AND tx.height=2`,
      page: "2",
      per_page: "5",
    });
    expectError(await handle(get("/cosmos/tx/v1beta1/txs")), 400, 3);
    expectError(await handle(get("/cosmos/tx/v1beta1/txs?events=nokey")), 400, 3);
    expectError(await handle(get("/cosmos/tx/v1beta1/txs?events=a.b%3Dc%20d")), 400, 3);
    expectError(
      await handle(get("/cosmos/tx/v1beta1/txs?query=tx.height%3D1&order_by=sideways")),
      400,
      3,
    );
    expectError(await handle(get("/cosmos/tx/v1beta1/txs?query=tx.height%3D1&limit=-3")), 400, 3);
  });

  it("passes a tx search on an attribute the node does not index to CometBFT, as the Cosmos SDK does (an empty list, not an error)", async () => {
    const { handle, calls } = gateway();
    const q = "remes.gradientSubmitted.miner='remes1x'";
    const r = await handle(get(`/cosmos/tx/v1beta1/txs?query=${encodeURIComponent(q)}`));
    expect(r.status).toBe(200);
    expect(calls.find((x) => x.method === "tx_search")!.params).toMatchObject({ query: q });
  });

  it("broadcasts in sync mode: CheckTx's code in a 200 TxResponse; bad modes and bodies are 400", async () => {
    const { handle } = gateway(chain(), {
      broadcast_tx_async: async () => {
        throw new RpcError("error", "Internal error", "tx already exists in cache");
      },
    });
    const tx = signTx(
      alice,
      [command("send", { fromAddress: alice.address, toAddress: bob.address, amount: 5n })],
      { chainId: CHAIN_ID, accountNumber: 0n, sequence: 2n, fee: FEE },
    );
    const ok = await handle(
      post("/cosmos/tx/v1beta1/txs", { tx_bytes: b64(tx), mode: "BROADCAST_MODE_SYNC" }),
    );
    expect(ok).toEqual({
      status: 200,
      body: {
        tx_response: {
          height: "0",
          txhash: hex(sha256(tx)),
          codespace: "",
          code: 0,
          data: "",
          raw_log: "",
          logs: [],
          info: "",
          gas_wanted: "0",
          gas_used: "0",
          tx: null,
          timestamp: "",
          events: [],
        },
      },
    });
    // A wrong sequence: still 200, the SDK's code 32 in the response.
    const stale = await handle(
      post("/cosmos/tx/v1beta1/txs", { tx_bytes: b64(tx), mode: "BROADCAST_MODE_SYNC" }),
    );
    expect(stale.status).toBe(200);
    expect(stale.body).toMatchObject({ tx_response: { code: 32, codespace: "sdk" } });
    const cached = await handle(
      post("/cosmos/tx/v1beta1/txs", { tx_bytes: b64(tx), mode: "BROADCAST_MODE_ASYNC" }),
    );
    expect(cached.body).toMatchObject({
      tx_response: { code: 19, codespace: "sdk", txhash: hex(sha256(tx)) },
    });
    expectError(await handle(post("/cosmos/tx/v1beta1/txs", { tx_bytes: b64(tx) })), 400, 3);
    expectError(
      await handle(
        post("/cosmos/tx/v1beta1/txs", { tx_bytes: b64(tx), mode: "BROADCAST_MODE_BLOCK" }),
      ),
      400,
      3,
    );
    expectError(
      await handle(post("/cosmos/tx/v1beta1/txs", { mode: "BROADCAST_MODE_SYNC" })),
      400,
      3,
    );
  });

  it("answers node info and blocks in the SDK's shapes (base64 hashes, flag names, a bech32 proposer in sdk_block)", async () => {
    const { handle } = gateway();
    const info = await handle(get("/cosmos/base/tendermint/v1beta1/node_info"));
    expect(info.status).toBe(200);
    expect(info.body).toMatchObject({
      default_node_info: {
        protocol_version: { p2p: "8", block: "11", app: "1" },
        default_node_id: "ab".repeat(20),
        network: CHAIN_ID,
        channels: Buffer.from("40202122233038606100", "hex").toString("base64"),
        other: { tx_index: "on", rpc_address: "tcp://127.0.0.1:26657" },
      },
      application_version: { name: "r3mes", app_name: "r3mes", version: "0.1.0" },
    });
    expect((await handle(get("/cosmos/base/tendermint/v1beta1/syncing"))).body).toEqual({
      syncing: false,
    });
    const latest = await handle(get("/cosmos/base/tendermint/v1beta1/blocks/latest"));
    expect(latest.status).toBe(200);
    const h = (b: string) => Buffer.from(b, "hex").toString("base64");
    expect(latest.body).toMatchObject({
      block_id: {
        hash: h("AB".repeat(32)),
        part_set_header: { total: 1, hash: h("CD".repeat(32)) },
      },
      block: {
        header: {
          height: "1",
          app_hash: h("07".repeat(32)),
          proposer_address: h("0A".repeat(20)),
          last_results_hash: "",
        },
        last_commit: {
          signatures: [
            { block_id_flag: "BLOCK_ID_FLAG_COMMIT", validator_address: h("0A".repeat(20)) },
            { block_id_flag: "BLOCK_ID_FLAG_ABSENT", validator_address: "", signature: null },
          ],
        },
      },
      sdk_block: {
        header: {
          proposer_address: bech32.encode(
            "remesvalcons",
            bech32.toWords(Buffer.from("0A".repeat(20), "hex")),
          ),
        },
      },
    });
    expectError(await handle(get("/cosmos/base/tendermint/v1beta1/blocks/2")), 400, 3);
    const valcons = bech32.encode(
      "remesvalcons",
      bech32.toWords(Buffer.from("0A".repeat(20), "hex")),
    );
    expect(
      (await handle(get("/cosmos/base/tendermint/v1beta1/validatorsets/latest"))).body,
    ).toEqual({
      block_height: "1",
      validators: [
        {
          address: valcons,
          pub_key: {
            "@type": "/cosmos.crypto.ed25519.PubKey",
            key: b64(new Uint8Array(32).fill(3)),
          },
          voting_power: "10",
          proposer_priority: "-5",
        },
      ],
      pagination: { next_key: null, total: "1" },
    });
    expect((await handle(get("/cosmos/base/tendermint/v1beta1/validatorsets/1"))).status).toBe(200);
    expectError(
      await handle(get("/cosmos/base/tendermint/v1beta1/validatorsets/latest?pagination.offset=3")),
      400,
      3,
    );
    // A block's txs decoded (GetBlockWithTxs).
    const withTxs = await handle(get("/cosmos/tx/v1beta1/txs/block/1"));
    expect(withTxs.status).toBe(200);
    expect(withTxs.body).toMatchObject({
      block: { header: { height: "1" } },
      pagination: { next_key: null, total: "2" },
    });
    expect(
      (withTxs.body as { txs: { body: { memo: string } }[] }).txs.map((t) => t.body.memo),
    ).toEqual(["", "hi"]);
    expectError(await handle(get("/cosmos/base/tendermint/v1beta1/blocks/0")), 400, 3);
    expectError(await handle(get("/cosmos/base/tendermint/v1beta1/blocks/x")), 400, 3);
  });

  it("answers an unknown path or method 501 (grpc-gateway's Unimplemented), an unreachable or slow RPC 503/504", async () => {
    const { handle } = gateway();
    expect(await handle(get("/cosmos/staking/v1beta1/validators"))).toEqual({
      status: 501,
      body: { code: 12, message: "Not Implemented", details: [] },
    });
    expect(await handle(post("/cosmos/auth/v1beta1/accounts/x", {}))).toEqual({
      status: 501,
      body: { code: 12, message: "Method Not Allowed", details: [] },
    });
    expectError(await handle(get("/cosmos/auth/v1beta1/accounts/%E0%A4%A")), 400, 3);
    const down = restHandler(async () => {
      throw new RpcError("unavailable", "connect ECONNREFUSED");
    });
    expectError(await down(get("/remes/remes/v1/params")), 503, 14);
    const slow = restHandler(async () => {
      throw new RpcError("timeout", "abci_query took over 10000 ms");
    });
    expectError(await slow(get(`/cosmos/bank/v1beta1/balances/${alice.address}`)), 504, 4);
  });

  it("never throws on random paths, queries and bodies: a 2xx or a status body", async () => {
    const { handle } = gateway();
    const segment = fc.oneof(
      fc.constantFrom(
        "cosmos",
        "remes",
        "v1",
        "v1beta1",
        "txs",
        "accounts",
        "balances",
        "blocks",
        "latest",
        "by_denom",
        alice.address,
        "0",
        "%",
        "%zz",
        "",
      ),
      fc.string({ maxLength: 12 }),
    );
    const prefix = fc.constantFrom(
      ...restRoutes.map((r) => r.split(" ")[1]!.replace(/\{[a-z_]+\}.*$/, "")),
    );
    await fc.assert(
      fc.asyncProperty(
        prefix,
        fc.array(segment, { maxLength: 3 }),
        fc.constantFrom("GET", "POST", "PUT"),
        fc.string({ maxLength: 30 }),
        fc.oneof(
          fc.json(),
          fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString("latin1")),
          fc
            .record({
              tx_bytes: fc.base64String({ maxLength: 40 }),
              mode: fc.constantFrom("BROADCAST_MODE_SYNC", "2", "x"),
            })
            .map((o) => JSON.stringify(o)),
        ),
        async (pre, segs, method, query, body) => {
          const r = await handle({
            method,
            path: pre + segs.join("/"),
            query: new URLSearchParams(query),
            body: new TextEncoder().encode(body),
          });
          expect(JSON.parse(JSON.stringify(r.body))).toEqual(r.body);
          if (r.status !== 200) {
            // 500 only as the SDK's code 2 (a refusal passed on), never 13 (a failure of the gateway's own).
            expect([400, 404, 500, 501]).toContain(r.status);
            if (r.status === 500) expect((r.body as { code: number }).code).toBe(2);
            expect(r.body).toEqual({
              code: expect.any(Number),
              message: expect.any(String),
              details: [],
            });
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("serves HTTP with JSON bodies and refuses an oversized body with 413", async () => {
    const { c } = gateway();
    const server = await serveRest(appRpc(c.node.app.handle), "0");
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:[0-9]+$/);
      const r = await fetch(`${server.url}/cosmos/bank/v1beta1/balances/${bob.address}`);
      expect(r.status).toBe(200);
      expect(r.headers.get("content-type")).toBe("application/json");
      expect(await r.json()).toMatchObject({ balances: [{ denom: "uremes", amount: "1000" }] });
      const big = await fetch(`${server.url}/cosmos/tx/v1beta1/txs`, {
        method: "POST",
        body: "x".repeat(REST_MAX_BODY_BYTES + 1),
      });
      expect(big.status).toBe(413);
      expect(await big.json()).toEqual({ code: 8, message: expect.any(String), details: [] });
      const none = await fetch(`${server.url}/nowhere?x=1`);
      expect(none.status).toBe(501);
    } finally {
      await server.close();
    }
  });
});

describe("the gateway's RPC client", () => {
  it("maps CometBFT's laddr to a URL and tells an unreachable RPC, a slow one and a JSON-RPC error apart", async () => {
    expect(rpcUrlOf("tcp://0.0.0.0:26657")).toBe("http://127.0.0.1:26657");
    expect(rpcUrlOf("tcp://[::]:26657")).toBe("http://[::1]:26657");
    expect(rpcUrlOf("http://10.0.0.2:1/")).toBe("http://10.0.0.2:1");
    expect(rpcUrlOf("unix:///tmp/rpc.sock")).toBeInstanceOf(Error);
    const server = http.createServer((req, res) => {
      if (req.url === "/") {
        let body = "";
        req.on("data", (d) => (body += d));
        req.on("end", () => {
          const { id, method } = JSON.parse(body) as { id: number; method: string };
          if (method === "slow") return; // never answers
          res.end(
            JSON.stringify(
              method === "ok"
                ? { jsonrpc: "2.0", id, result: { fine: true } }
                : {
                    jsonrpc: "2.0",
                    id,
                    error: { code: -32603, message: "Internal error", data: "tx (AB) not found" },
                  },
            ),
          );
        });
      }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const rpc = httpRpc(url, 300);
      expect(await rpc("ok", {})).toEqual({ fine: true });
      await expect(rpc("bad", {})).rejects.toMatchObject({
        kind: "error",
        data: "tx (AB) not found",
      });
      await expect(rpc("slow", {})).rejects.toMatchObject({ kind: "timeout" });
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
    await expect(httpRpc(url, 300)("ok", {})).rejects.toMatchObject({ kind: "unavailable" });
  });
});

describe("node chain-info", () => {
  const home = (chainId: string, laddr: string, gasPrice: GasPrice) => {
    const h = fs.mkdtempSync(path.join(os.tmpdir(), "r3mes-chain-info-"));
    fs.mkdirSync(path.join(h, "config"));
    fs.writeFileSync(
      path.join(h, "config", "genesis.json"),
      JSON.stringify({ chain_id: chainId, app_state: {} }),
    );
    fs.writeFileSync(
      path.join(h, "config", "config.toml"),
      `proxy_app = "tcp://127.0.0.1:26658"\n\n[rpc]\nladdr = "${laddr}"\n`,
    );
    writeAppConfig(h, gasPrice);
    return h;
  };

  it("describes the chain of a home for Keplr and the chain registry: its chain id, RPC and gas price", () => {
    const h = home("remes-xyz-7", "tcp://0.0.0.0:36657", parseGasPrice("0.025uremes") as GasPrice);
    try {
      const k = keplrChainInfo({ home: h, rest: "http://127.0.0.1:1417/" });
      const currency = { coinDenom: "REMES", coinMinimalDenom: "uremes", coinDecimals: 6 };
      expect(k).toMatchObject({
        chainId: "remes-xyz-7",
        rpc: "http://127.0.0.1:36657",
        rest: "http://127.0.0.1:1417",
        bip44: { coinType: 118 },
        bech32Config: {
          bech32PrefixAccAddr: "remes",
          bech32PrefixAccPub: "remespub",
          bech32PrefixValAddr: "remesvaloper",
          bech32PrefixConsAddr: "remesvalcons",
        },
        currencies: [currency],
        stakeCurrency: currency,
      });
      expect(k.feeCurrencies).toEqual([
        { ...currency, gasPriceStep: { low: 0.025, average: 0.05, high: 0.1 } },
      ]);
      const r = registryChainJson({ home: h, rpc: "https://rpc.example.org" });
      expect(r).toMatchObject({
        chain_id: "remes-xyz-7",
        bech32_prefix: "remes",
        slip44: 118,
        apis: {
          rpc: [{ address: "https://rpc.example.org" }],
          rest: [{ address: "http://127.0.0.1:1317" }],
        },
        fees: { fee_tokens: [{ denom: "uremes", fixed_min_gas_price: 0.025 }] },
      });
      // A free chain: every step zero.
      const free = home("free-1", "tcp://127.0.0.1:26657", parseGasPrice("0uremes") as GasPrice);
      expect(keplrChainInfo({ home: free }).feeCurrencies[0]!.gasPriceStep).toEqual({
        low: 0,
        average: 0,
        high: 0,
      });
      fs.rmSync(free, { recursive: true });
      expect(() => keplrChainInfo({ home: path.join(h, "nope") })).toThrow(/not a node home/);
    } finally {
      fs.rmSync(h, { recursive: true });
    }
  });
});
