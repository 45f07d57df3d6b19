/** Shared by the hostile-input tests: a fresh in-process app with two funded accounts. */
import { sha256 } from "@noble/hashes/sha2.js";
import type { RemesApp } from "../../src/node/app.ts";
import { TestNode } from "../../src/node/testing/test-node.ts";
import { PubKey as Secp256k1PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { SignMode } from "cosmjs-types/cosmos/tx/signing/v1beta1/signing";
import { AuthInfo, SignDoc, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { signDigest } from "../../src/node/secp256k1.ts";
import { commandValueBytes, signTx, txKeyOf } from "../../src/node/sign.ts";
import { SECP256K1_PUBKEY_TYPE_URL, typeUrlOf } from "../../src/node/tx.ts";
import { command } from "../../src/protocol/commands.ts";
import { defaultParams } from "../../src/protocol/params.ts";

export const CHAIN_ID = "hostile";
export const key = (label: string) => txKeyOf(sha256(new TextEncoder().encode(`hostile/${label}`)));
export const alice = key("alice");
export const bob = key("bob");
export const FUNDS = 10n * defaultParams().minMinerStake;
export const FEE = 5_000n;

export const freshApp = () =>
  TestNode.init({
    chainId: CHAIN_ID,
    genesis: {
      accounts: [
        { address: alice.address, balance: FUNDS },
        { address: bob.address, balance: FUNDS },
      ],
    },
  }).app;

/** FinalizeBlock of the next block holding `txs` (not committed). */
export const finalize = (app: RemesApp, txs: Uint8Array[]) =>
  TestNode.of(app)
    .block()
    .txs(...txs)
    .finalize();

/** Alice (account 0) signs a protocol MsgSend to `to`. */
export const sendTo = (to: string, sequence = 0n) =>
  signTx(alice, [command("send", { fromAddress: alice.address, toAddress: to, amount: 1_000n })], {
    chainId: CHAIN_ID,
    accountNumber: 0n,
    sequence,
    fee: FEE,
  });

/** Alice's tx (account 0) over the body as written, with the fee and gas limit given. */
export const signBody = (
  body: Partial<TxBody>,
  fee: { amount: { denom: string; amount: string }[]; gasLimit: bigint } = {
    amount: [{ denom: "uremes", amount: String(FEE) }],
    gasLimit: 200_000n,
  },
  sequence = 0n,
): Uint8Array => {
  const bodyBytes = TxBody.encode(TxBody.fromPartial(body)).finish();
  const authInfoBytes = AuthInfo.encode(
    AuthInfo.fromPartial({
      signerInfos: [
        {
          publicKey: {
            typeUrl: SECP256K1_PUBKEY_TYPE_URL,
            value: Secp256k1PubKey.encode({ key: alice.pubkey }).finish(),
          },
          modeInfo: { single: { mode: SignMode.SIGN_MODE_DIRECT } },
          sequence,
        },
      ],
      fee,
    }),
  ).finish();
  const doc = SignDoc.encode({
    bodyBytes,
    authInfoBytes,
    chainId: CHAIN_ID,
    accountNumber: 0n,
  }).finish();
  return TxRaw.encode({
    bodyBytes,
    authInfoBytes,
    signatures: [signDigest(sha256(doc), alice.secretKey)],
  }).finish();
};

/** Alice's send of 1,000 uremes to bob as the Any of a body. */
export const sendAny = () => {
  const cmd = command("send", {
    fromAddress: alice.address,
    toAddress: bob.address,
    amount: 1_000n,
  });
  return { typeUrl: typeUrlOf(cmd), value: commandValueBytes(cmd) };
};

/** Alice's tx sending 1,000 uremes to bob, with the fee and gas limit as given (coins as written, not checked). */
export const sendWithFee = (
  amount: { denom: string; amount: string }[],
  gasLimit: bigint,
): Uint8Array => signBody({ messages: [sendAny()] }, { amount, gasLimit });

/** Alice's tx over messages given as raw Anys (type URL and value bytes as written). */
export const signAnys = (messages: { typeUrl: string; value: Uint8Array }[]): Uint8Array =>
  signBody({ messages });
