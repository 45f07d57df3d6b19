/**
 * Client side without cosmjs: builds and signs a Cosmos `TxRaw`
 * (SIGN_MODE_DIRECT, one secp256k1 signer, a fee if asked) holding protocol
 * commands — what stock cosmjs would produce, synchronously and fast enough
 * to pre-sign a benchmark's hundreds of thousands of txs, or to sign a
 * simulator's recorded stream with its actors' keys.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { PubKey as Secp256k1PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { SignMode } from "cosmjs-types/cosmos/tx/signing/v1beta1/signing";
import { AuthInfo, SignDoc, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { encodeCommand } from "../protocol/codec.ts";
import type { ProtocolCommand } from "../protocol/commands.ts";
import { addressOfPubkey } from "./address.ts";
import { publicKeyOf, signDigest } from "./secp256k1.ts";
import {
  DENOM,
  type GasPrice,
  gasUsedOf,
  requiredFee,
  SECP256K1_PUBKEY_TYPE_URL,
  typeUrlOf,
} from "./tx.ts";

export interface TxKey {
  readonly secretKey: Uint8Array;
  /** 33-byte compressed public key. */
  readonly pubkey: Uint8Array;
  readonly address: string;
}

export const txKeyOf = (secretKey: Uint8Array): TxKey => {
  const pubkey = publicKeyOf(secretKey);
  return { secretKey, pubkey, address: addressOfPubkey(pubkey) };
};

export interface SignOptions {
  readonly chainId: string;
  readonly accountNumber: bigint;
  readonly sequence: bigint;
  /** Defaults to what the node will charge for the tx's size (tx.ts gasUsedOf), with room to spare. */
  readonly gasLimit?: bigint;
  /** Fee in uremes (none by default), or a gas price: the fee is then the least the node requires at that price for the gas limit. */
  readonly fee?: bigint | GasPrice;
  readonly memo?: string;
  /** The last height the tx may run at (none by default): a block above it refuses the tx, fee untouched. */
  readonly timeoutHeight?: bigint;
}

const skipUvarint = (b: Uint8Array, at: number): number => {
  while (b[at]! & 0x80) at++;
  return at + 1;
};

/** The message's own protobuf bytes: the Command envelope's encoding without its field tag and length. */
export const commandValueBytes = (cmd: ProtocolCommand): Uint8Array => {
  const env = encodeCommand(cmd);
  return env.subarray(skipUvarint(env, skipUvarint(env, 0)));
};

/** Signed `TxRaw` bytes carrying `msgs` (each must name the key's address as its signer). */
export const signTx = (
  key: TxKey,
  msgs: readonly ProtocolCommand[],
  o: SignOptions,
): Uint8Array => {
  const bodyBytes = TxBody.encode(
    TxBody.fromPartial({
      messages: msgs.map((m) => ({ typeUrl: typeUrlOf(m), value: commandValueBytes(m) })),
      memo: o.memo ?? "",
      timeoutHeight: o.timeoutHeight ?? 0n,
    }),
  ).finish();
  const gasLimit = o.gasLimit ?? gasUsedOf(bodyBytes.length + 400, msgs.length);
  const fee =
    o.fee === undefined ? 0n : typeof o.fee === "bigint" ? o.fee : requiredFee(gasLimit, o.fee);
  const authInfoBytes = AuthInfo.encode(
    AuthInfo.fromPartial({
      signerInfos: [
        {
          publicKey: {
            typeUrl: SECP256K1_PUBKEY_TYPE_URL,
            value: Secp256k1PubKey.encode({ key: key.pubkey }).finish(),
          },
          modeInfo: { single: { mode: SignMode.SIGN_MODE_DIRECT } },
          sequence: o.sequence,
        },
      ],
      fee: { amount: fee === 0n ? [] : [{ denom: DENOM, amount: String(fee) }], gasLimit },
    }),
  ).finish();
  const doc = SignDoc.encode({
    bodyBytes,
    authInfoBytes,
    chainId: o.chainId,
    accountNumber: o.accountNumber,
  }).finish();
  return TxRaw.encode({
    bodyBytes,
    authInfoBytes,
    signatures: [signDigest(sha256(doc), key.secretKey)],
  }).finish();
};
