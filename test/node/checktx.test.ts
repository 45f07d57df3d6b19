/**
 * CheckTx's admission rules, in-process: messages are decided against the
 * last committed state (read-only); the mempool's effects are tracked only
 * as sequences and what each signer's admitted txs spend. So a tx that
 * overspends after its signer's earlier mempool txs is refused, a tx whose
 * message is invalid against committed state is refused, while two
 * conflicting protocol messages both enter the mempool and FinalizeBlock
 * fails the later one (its fee paid). After Commit, RECHECK sees the new
 * state.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { CheckTxType } from "cosmjs-types/tendermint/abci/types";
import { describe, expect, it } from "vitest";
import { GpuArch, Role } from "../../src/gen/remes/v1/types_pb.ts";
import { signTx, txKeyOf } from "../../src/node/sign.ts";
import { TestNode } from "../../src/node/testing/test-node.ts";
import { SdkCode } from "../../src/node/tx.ts";
import { command } from "../../src/protocol/commands.ts";
import { defaultParams } from "../../src/protocol/params.ts";
import { ModuleAccount } from "../../src/protocol/state.ts";

const CHAIN_ID = "checktx";
const key = (label: string) => txKeyOf(sha256(new TextEncoder().encode(`checktx/${label}`)));
const alice = key("alice");
const bob = key("bob");
const FUNDS = 10n * defaultParams().minMinerStake;
const FEE = 5_000n;

const freshNode = () =>
  TestNode.init({
    chainId: CHAIN_ID,
    genesis: {
      accounts: [
        { address: alice.address, balance: FUNDS },
        { address: bob.address, balance: FUNDS },
      ],
    },
  });
const freshApp = () => freshNode().app;

/** Account numbers follow genesis order: alice 0, bob 1. */
const tx = (
  k: typeof alice,
  accountNumber: bigint,
  sequence: bigint,
  msgs: Parameters<typeof signTx>[1],
) => signTx(k, msgs, { chainId: CHAIN_ID, accountNumber, sequence, fee: FEE });
const send = (from: typeof alice, to: string, amount: bigint) =>
  command("send", { fromAddress: from.address, toAddress: to, amount });
const register = (k: typeof alice) =>
  command("registerMiner", {
    miner: k.address,
    stake: defaultParams().minMinerStake,
    gpuArch: GpuArch.AMPERE,
  });

describe("CheckTx admission", () => {
  it("tracks sequences and each signer's pending spend across the mempool", () => {
    const app = freshApp();
    const ok = app.checkTx(
      tx(alice, 0n, 0n, [send(alice, bob.address, FUNDS - 2n * FEE - 100n)]),
      CheckTxType.NEW,
    );
    expect(ok.code, ok.log).toBe(0);
    // The same sequence again: a replay of the mempool's slot.
    expect(
      app.checkTx(tx(alice, 0n, 0n, [send(alice, bob.address, 1n)]), CheckTxType.NEW).code,
    ).toBe(SdkCode.wrongSequence);
    // The next sequence, but the fee and send exceed what is left after the first tx.
    const over = app.checkTx(tx(alice, 0n, 1n, [send(alice, bob.address, 200n)]), CheckTxType.NEW);
    expect(over.code).not.toBe(0);
    expect(over.log).toMatch(/insufficient funds.*already in the mempool/);
    // What fits is admitted.
    expect(
      app.checkTx(tx(alice, 0n, 1n, [send(alice, bob.address, 50n)]), CheckTxType.NEW).code,
    ).toBe(0);
  });

  it("refuses a message invalid against the committed state, admits conflicting ones and lets FinalizeBlock fail the later", () => {
    const node = freshNode();
    const app = node.app;
    // Bob is no miner: a submission from him is refused at once.
    const bad = app.checkTx(
      tx(bob, 1n, 0n, [
        command("submitGradient", {
          miner: bob.address,
          window: 0,
          shard: 0,
          gradientCid: "x",
          gradientHash: new Uint8Array(32),
          daRoot: new Uint8Array(32),
          sizeBytes: 1n,
          claimedLossMicro: 1n,
          gpuArch: GpuArch.AMPERE,
          kernelVersion: "k",
        }),
      ]),
      CheckTxType.NEW,
    );
    expect(bad.code).not.toBe(0);
    expect(bad.codespace).toBe("remes");
    // Alice registers twice (sequences 0 and 1): both are valid against the committed state.
    const first = tx(alice, 0n, 0n, [register(alice)]);
    const second = tx(alice, 0n, 1n, [register(alice)]);
    expect(app.checkTx(first, CheckTxType.NEW).code).toBe(0);
    expect(app.checkTx(second, CheckTxType.NEW).code).toBe(0);
    const res = node.block().txs(first, second).execute();
    expect(res.txResults[0]!.code).toBe(0);
    expect(res.txResults[1]!.code).not.toBe(0);
    expect(res.txResults[1]!.log).toMatch(/already|twice|registered/i);
    // Both fees were paid, the stake bonded once.
    expect(app.state!.balances.get(alice.address)).toBe(
      FUNDS - 2n * FEE - defaultParams().minMinerStake,
    );
    expect(app.state!.balances.get(ModuleAccount.feeCollector)).toBe(2n * FEE);
    // After Commit, RECHECK sees the new state: a third registration is refused now, at sequence 2.
    const third = app.checkTx(tx(alice, 0n, 2n, [register(alice)]), CheckTxType.RECHECK);
    expect(third.code).not.toBe(0);
    expect(third.codespace).toBe("remes");
  });

  it("refuses a commitment for the window the next block opens, saying when to commit, and admits it once that block assigned the shards", () => {
    const node = TestNode.init({
      chainId: CHAIN_ID,
      genesis: {
        accounts: [{ address: alice.address, balance: FUNDS }],
        roles: [
          {
            address: alice.address,
            role: Role.MINER,
            stake: defaultParams().minMinerStake,
            gpuArch: GpuArch.AMPERE,
          },
        ],
      },
    });
    const app = node.app;
    const commit = (sequence: bigint, shard: number) =>
      tx(alice, 0n, sequence, [
        command("commitGradient", {
          miner: alice.address,
          window: 0n,
          shard,
          commitment: new Uint8Array(32).fill(7),
        }),
      ]);
    // Block 1 opens window 0; its beacon, unknown to CheckTx, assigns the shards.
    const early = app.checkTx(commit(0n, 0), CheckTxType.NEW);
    expect(early.code).toBe(7); // wrongPhase
    expect(early.log).toBe(
      "window 0 opens at height 1; commit once that block has assigned its shards",
    );
    node.block().execute();
    const shard = app.state!.windows.get(0)!.assignment.get(alice.address)!;
    const ok = app.checkTx(commit(0n, shard), CheckTxType.RECHECK);
    expect(ok.code, ok.log).toBe(0);
  });
});
