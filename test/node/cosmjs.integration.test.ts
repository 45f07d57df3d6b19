/**
 * Stock cosmjs against a real single-node chain: a bank send funds a miner,
 * the miner registers and submits a gradient through SigningStargateClient,
 * StargateClient reads accounts, balances and txs (CometBFT's indexer), the
 * protocol queries answer; a wrong sequence, a bad signature, a wrong chain
 * id, an oversized tx and a malformed tx are rejected with their codes and
 * the chain keeps producing blocks.
 */
import { create, fromBinary, toBinary, toJson } from "@bufbuild/protobuf";
import { sha256 } from "@noble/hashes/sha2.js";
import { bech32 } from "@scure/base";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { makeCosmoshubPath, SigningStargateClient, StargateClient } from "@cosmjs/stargate";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { CID } from "multiformats/cid";
import * as Digest from "multiformats/hashes/digest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ParamsSchema } from "../../src/gen/remes/v1/params_pb.ts";
import * as Q from "../../src/gen/remes/v1/query_pb.ts";
import { GpuArch } from "../../src/gen/remes/v1/types_pb.ts";
import { command } from "../../src/protocol/commands.ts";
import { gradientCommitment } from "../../src/protocol/gradient-commits.ts";
import { merkleRoot } from "../../src/protocol/merkle.ts";
import { demoParams } from "../../src/protocol/testing/demo-world.ts";
import { encodeObject, remesRegistry } from "../../src/node/registry.ts";
import { SdkCode } from "../../src/node/tx.ts";
import { LocalChain, TEST_MNEMONIC } from "./harness.ts";

const fee = { amount: [{ denom: "uremes", amount: "4000" }], gas: "400000" };

describe("cosmjs against a real chain", () => {
  let chain: LocalChain;
  let comet: Comet38Client;
  beforeAll(async () => {
    chain = await LocalChain.create({
      params: toJson(ParamsSchema, create(ParamsSchema, { ...demoParams(), windowBlocks: 20 })),
    });
    chain.start();
    await chain.waitForHeight(2);
    comet = await Comet38Client.connect(chain.rpc);
  }, 240_000);
  afterAll(async () => {
    comet?.disconnect();
    await chain?.stop();
    chain?.remove();
  });

  const query = async <O extends Parameters<typeof fromBinary>[0]>(
    method: string,
    reqSchema: Parameters<typeof create>[0],
    req: object,
    out: O,
  ) => {
    const r = await comet.abciQuery({
      path: `/remes.remes.v1.Query/${method}`,
      data: toBinary(reqSchema, create(reqSchema, req as never)),
    });
    if (r.code !== 0) throw new Error(`query ${method} failed: ${r.log}`);
    return fromBinary(out, r.value);
  };

  it("registers a miner, submits a gradient, reads balances, txs and protocol state, and rejects bad txs", async () => {
    const wallet = await DirectSecp256k1HdWallet.fromMnemonic(TEST_MNEMONIC, {
      prefix: "remes",
      hdPaths: [makeCosmoshubPath(0), makeCosmoshubPath(1)],
    });
    const [dev, miner] = (await wallet.getAccounts()).map((a) => a.address) as [string, string];
    const registry = remesRegistry();
    const client = await SigningStargateClient.connectWithSigner(chain.rpc, wallet, { registry });
    const reader = await StargateClient.connect(chain.rpc);

    // Bank send (mapped to the protocol's MsgSend).
    const sent = await client.sendTokens(
      dev,
      miner,
      [{ denom: "uremes", amount: "5000000000" }],
      fee,
    );
    expect(sent.code).toBe(0);
    expect((await reader.getBalance(miner, "uremes")).amount).toBe("5000000000");
    expect(await reader.getAllBalances(miner)).toEqual([{ denom: "uremes", amount: "5000000000" }]);
    const acct = await reader.getAccount(miner);
    expect(acct?.sequence).toBe(0);
    expect(
      await reader.getAccount(bech32.encode("remes", bech32.toWords(new Uint8Array(20)))),
    ).toBeNull();

    // Register as a miner.
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
    expect(await reader.getSequence(miner)).toMatchObject({ sequence: 1 });
    const found = await reader.getTx(reg.transactionHash);
    expect(found?.height).toBe(reg.height);
    const bySender = await reader.searchTx(`message.sender='${miner}'`);
    expect(bySender.map((t) => t.hash)).toContain(reg.transactionHash);
    const byHeight = await reader.searchTx(`tx.height=${reg.height}`);
    expect(byHeight.map((t) => t.hash)).toContain(reg.transactionHash);
    // What the miner received, as wallets list it (the SDK's bank events of the send).
    const received = await reader.searchTx(`transfer.recipient='${miner}'`);
    expect(received.map((t) => t.hash)).toEqual([sent.transactionHash]);

    // Wait for a window that assigns the miner a shard, then submit.
    let info = await query(
      "Miner",
      Q.QueryMinerRequestSchema,
      { address: miner },
      Q.QueryMinerResponseSchema,
    );
    for (let i = 0; i < 200 && !info.assigned; i++) {
      await new Promise((r) => setTimeout(r, 200));
      info = await query(
        "Miner",
        Q.QueryMinerRequestSchema,
        { address: miner },
        Q.QueryMinerResponseSchema,
      );
    }
    expect(info.assigned).toBe(true);
    // The commitment must land in the window's commit phase (20 blocks of 300 ms): too near its end, take the next window.
    const startOf = async (w: bigint) =>
      Number(
        (
          await query(
            "Window",
            Q.QueryWindowRequestSchema,
            { window: w },
            Q.QueryWindowResponseSchema,
          )
        ).startHeight,
      );
    if ((await client.getHeight()) > (await startOf(info.window)) + 20 - 8) {
      const first = info.window;
      for (let i = 0; i < 200 && (info.window === first || !info.assigned); i++) {
        await new Promise((r) => setTimeout(r, 200));
        info = await query(
          "Miner",
          Q.QueryMinerRequestSchema,
          { address: miner },
          Q.QueryMinerResponseSchema,
        );
      }
      expect(info.assigned).toBe(true);
    }
    const hash = sha256(new TextEncoder().encode("gradient"));
    const submit = command("submitGradient", {
      miner,
      window: info.window,
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
    // Commit while the window is open, reveal (the submission with its salt) in its reveal period.
    const commit = command("commitGradient", {
      miner,
      window: info.window,
      shard: info.shard,
      commitment: gradientCommitment(submit.value as Parameters<typeof gradientCommitment>[0]),
    });
    const com = await client.signAndBroadcast(miner, [encodeObject(commit)], fee);
    expect(com.code, com.rawLog).toBe(0);
    expect(com.events.some((e) => e.type === "remes.gradientCommitted")).toBe(true);
    const commitEnd = (await startOf(info.window)) + 20 - 1;
    for (let i = 0; i < 300 && (await client.getHeight()) < commitEnd; i++)
      await new Promise((r) => setTimeout(r, 100));
    const sub = await client.signAndBroadcast(miner, [encodeObject(submit)], fee);
    expect(sub.code, sub.rawLog).toBe(0);
    expect(sub.events.some((e) => e.type === "remes.gradientSubmitted")).toBe(true);
    const window = await query(
      "Window",
      Q.QueryWindowRequestSchema,
      { window: BigInt(info.window) },
      Q.QueryWindowResponseSchema,
    );
    expect(window.submissions).toBeGreaterThanOrEqual(1);
    const grad = await query(
      "GetGradient",
      Q.QueryGetGradientRequestSchema,
      { submissionId: 0n },
      Q.QueryGetGradientResponseSchema,
    );
    expect(grad.gradient?.miner).toBe(miner);
    const params = await query(
      "Params",
      Q.QueryParamsRequestSchema,
      {},
      Q.QueryParamsResponseSchema,
    );
    expect(params.params?.windowBlocks).toBe(20);
    // 5,000 remes − 2,000 staked − three fees of 4,000 uremes.
    expect((await reader.getBalance(miner, "uremes")).amount).toBe("2999988000");

    // Rejections, each with its code; the chain goes on.
    const offline = await SigningStargateClient.offline(wallet, { registry });
    const { accountNumber, sequence } = (await reader.getAccount(dev))!;
    const send = {
      typeUrl: "/cosmos.bank.v1beta1.MsgSend",
      value: { fromAddress: dev, toAddress: miner, amount: [{ denom: "uremes", amount: "1" }] },
    };
    const signed = async (opts: { seq?: number; chainId?: string; memo?: string }) =>
      TxRaw.encode(
        await offline.sign(dev, [send], fee, opts.memo ?? "", {
          accountNumber: BigInt(accountNumber),
          sequence: opts.seq ?? sequence,
          chainId: opts.chainId ?? "remes-test",
        }),
      ).finish();
    const broadcast = (tx: Uint8Array) => comet.broadcastTxSync({ tx });

    expect((await broadcast(await signed({ seq: sequence + 5 }))).code).toBe(SdkCode.wrongSequence);
    const tampered = TxRaw.decode(await signed({}));
    tampered.signatures[0]![10]! ^= 0xff;
    const bad = await broadcast(TxRaw.encode(tampered).finish());
    expect(bad.code).toBe(SdkCode.unauthorized);
    const wrongChain = await broadcast(await signed({ chainId: "other-chain" }));
    expect(wrongChain.code).toBe(SdkCode.unauthorized);
    expect(wrongChain.log).toContain("chain id (remes-test)");
    expect((await broadcast(await signed({ memo: "x".repeat(70_000) }))).code).toBe(
      SdkCode.txTooLarge,
    );
    expect((await broadcast(Uint8Array.of(1, 2, 3, 4, 5))).code).toBe(SdkCode.txDecode);
    // The good tx with the right sequence still goes through.
    const ok = await client.sendTokens(dev, miner, [{ denom: "uremes", amount: "1" }], fee);
    expect(ok.code).toBe(0);
    const h = (await chain.status())!.height;
    await chain.waitForHeight(h + 2);
    reader.disconnect();
    client.disconnect();
  }, 120_000);
});
