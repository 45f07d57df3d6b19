/**
 * PrepareProposal's answer must fit CometBFT's block data limit as CometBFT
 * counts it — each tx's protobuf size (tag, length, bytes), the beacon tx
 * included — or CometBFT panics in createProposalBlock ("transaction data
 * size exceeds maximum") and the node halts. A flood that fills the mempool
 * past a block's worth made a 10,000-tx bench:node run halt this way: the
 * app counted raw tx bytes with a fixed 200-byte reserve for its beacon tx,
 * while CometBFT had reaped txs up to the limit in protobuf size.
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import type { Request, Response } from "cosmjs-types/tendermint/abci/types";
import { describe, expect, it } from "vitest";
import { Role } from "../../src/gen/remes/v1/types_pb.ts";
import { signTx, txKeyOf } from "../../src/node/sign.ts";
import { prepareProposalRequest, TestNode } from "../../src/node/testing/test-node.ts";
import { isBeaconTx } from "../../src/protocol/beacon.ts";
import { command } from "../../src/protocol/commands.ts";
import { defaultParams } from "../../src/protocol/params.ts";

const CHAIN_ID = "prepare";
const secret = (label: string) => sha256(new TextEncoder().encode(`prepare-test/${label}`));
const VAL = secret("validator");
const senders = Array.from({ length: 120 }, (_, i) => txKeyOf(secret(`sender/${i}`)));
const FUNDS = 10n * defaultParams().minMinerStake;

/** CometBFT's size of a tx in the block's data (types.ComputeProtoSizeForTxs): field tag, length varint, bytes. */
const protoSize = (tx: Uint8Array) =>
  1 + (tx.length < 128 ? 1 : tx.length < 16384 ? 2 : 3) + tx.length;
const dataSize = (txs: readonly Uint8Array[]) => txs.reduce((n, t) => n + protoSize(t), 0);

const node = () =>
  TestNode.init({
    chainId: CHAIN_ID,
    beaconKey: VAL,
    genesis: {
      accounts: senders.map((k) => ({ address: k.address, balance: FUNDS })),
      roles: [
        {
          address: txKeyOf(secret("validator-account")).address,
          role: Role.VALIDATOR,
          stake: defaultParams().minValidatorStake,
          pubkey: ed25519.getPublicKey(VAL),
        },
      ],
    },
  });

/** Signed bank sends, one per sender (account numbers follow genesis order). */
const sends = () =>
  senders.map((k, i) =>
    signTx(
      k,
      [command("send", { fromAddress: k.address, toAddress: senders[0]!.address, amount: 1n })],
      { chainId: CHAIN_ID, accountNumber: BigInt(i), sequence: 0n, fee: 5_000n },
    ),
  );

/** The txs a node's PrepareProposal answers for `reaped` under `limit` data bytes, through its ABCI handler. */
const propose = (n: ReturnType<typeof node>, reaped: Uint8Array[], limit: bigint): Uint8Array[] =>
  (
    n.app.handle(
      { prepareProposal: prepareProposalRequest(1, reaped, limit) } as Request,
      "prepareProposal",
    ) as Response
  ).prepareProposal!.txs;

describe("PrepareProposal", () => {
  it("answers txs whose protobuf size, its beacon tx included, fits the limit CometBFT reaped them under", () => {
    const n = node();
    const txs = sends();
    for (const t of txs) expect(n.app.checkTx(t, 0).code).toBe(0);
    // CometBFT reaps up to the limit in protobuf size: try every cut, including exactly full.
    for (let count = 1; count <= txs.length; count++) {
      const reaped = txs.slice(0, count);
      const limit = BigInt(dataSize(reaped));
      const out = propose(n, reaped, limit);
      expect(isBeaconTx(out[0])).toBe(true);
      expect(BigInt(dataSize(out))).toBeLessThanOrEqual(limit);
      // Only what does not fit is left out: at most as many txs as the beacon tx's size displaces.
      expect(out.length - 1).toBeGreaterThanOrEqual(
        count - 1 - Math.ceil(protoSize(out[0]!) / 300),
      );
    }
  });

  it("proposes nothing rather than a beacon tx past a limit too small for it", () => {
    const n = node();
    for (const limit of [0n, 10n, 100n]) {
      const out = n.app.beacon.prepare(1, limit, () => sends());
      expect(BigInt(dataSize(out))).toBeLessThanOrEqual(limit);
    }
  });

  it("keeps a tx handed over twice only once, within the limit", () => {
    const n = node();
    const txs = sends().slice(0, 10);
    for (const t of txs) expect(n.app.checkTx(t, 0).code).toBe(0);
    const reaped = [...txs, ...txs];
    const limit = BigInt(dataSize(reaped));
    const out = propose(n, reaped, limit);
    expect(out.slice(1)).toEqual(txs);
    expect(BigInt(dataSize(out))).toBeLessThanOrEqual(limit);
  });
});
