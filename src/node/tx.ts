/**
 * Transactions: Cosmos SDK `TxRaw` bytes (SIGN_MODE_DIRECT, one secp256k1
 * signer), so stock cosmjs signs them. Decoding is stateless and never
 * throws: size, protobuf shape, sign mode, public key, fee denom, each
 * message's type URL and its signer field. The signature check needs the
 * chain id and the account number, the sequence check the account; both
 * live in the app (app.ts). Failures carry Cosmos SDK error codes
 * (codespace "sdk"), so clients see familiar numbers.
 */
import { MsgSend as BankMsgSend } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import { PubKey as Secp256k1PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { SignMode } from "cosmjs-types/cosmos/tx/signing/v1beta1/signing";
import { AuthInfo, SignDoc, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import type { Any } from "cosmjs-types/google/protobuf/any";
import { CommandSchema } from "../gen/remes/v1/tx_pb.ts";
import { decodeCommand, DecodeError } from "../protocol/codec.ts";
import { command, signerOf, type ProtocolCommand } from "../protocol/commands.ts";
import { addressOfPubkey, BECH32_PREFIX, isAddress } from "./address.ts";
import { fastCommand } from "./command-fast.ts";
import { encodeUvarint } from "./framing.ts";
import { sha256Fast } from "./hash.ts";
import {
  authIsCanonical,
  bodyIsCanonical,
  parseCanonicalTx,
  rawIsCanonical,
  signDocView,
  type TxParts,
} from "./tx-canonical.ts";
import { verifyDigest } from "./secp256k1.ts";

export { addressOfPubkey, BECH32_PREFIX, isAddress };
export const DENOM = "uremes";
export const BANK_SEND_TYPE_URL = "/cosmos.bank.v1beta1.MsgSend";
export const SECP256K1_PUBKEY_TYPE_URL = "/cosmos.crypto.secp256k1.PubKey";
/** Default limit of one tx (bytes); CometBFT's mempool limit (1 MB) is above it, so the app's code is what clients see. */
export const DEFAULT_MAX_TX_BYTES = 64 * 1024;

/** Cosmos SDK error codes (types/errors), codespace "sdk". */
export const SdkCode = {
  txDecode: 2,
  unauthorized: 4,
  insufficientFunds: 5,
  unknownRequest: 6,
  invalidAddress: 7,
  unknownAddress: 9,
  invalidCoins: 10,
  outOfGas: 11,
  insufficientFee: 13,
  invalidRequest: 18,
  txTooLarge: 21,
  invalidChainId: 28,
  txTimeoutHeight: 30,
  unknownExtensionOptions: 31,
  wrongSequence: 32,
  notSupported: 37,
} as const;

export class TxError {
  readonly _tag = "TxError";
  readonly codespace = "sdk";
  constructor(
    readonly code: number,
    readonly log: string,
  ) {}
}

export interface DecodedTx {
  /** sha256 of the raw bytes: CometBFT's tx hash. */
  readonly hash: Uint8Array;
  readonly size: number;
  readonly signer: string;
  readonly pubkey: Uint8Array;
  readonly sequence: bigint;
  readonly signature: Uint8Array;
  readonly bodyBytes: Uint8Array;
  readonly authInfoBytes: Uint8Array;
  readonly msgs: ProtocolCommand[];
  readonly typeUrls: readonly string[];
  readonly gasLimit: bigint;
  readonly fee: bigint;
  readonly memo: string;
  /** The last height the tx may execute at; 0 for none (mempool.ts authenticate). */
  readonly timeoutHeight: bigint;
}

/** Type URL → Command oneof field (number, case), from the generated descriptors. */
const commandFields = new Map<string, { readonly no: number; readonly localName: string }>(
  CommandSchema.fields.flatMap((f) =>
    f.message === undefined
      ? []
      : [[`/${f.message.typeName}`, { no: f.number, localName: f.localName }] as const],
  ),
);

/** Every message type URL a tx may carry. */
export const messageTypeUrls: readonly string[] = [
  ...commandFields.keys(),
  BANK_SEND_TYPE_URL,
].sort();

export const typeUrlOf = (cmd: ProtocolCommand): string => {
  for (const [url, f] of commandFields) if (f.localName === cmd.case) return url;
  throw new Error(`no type URL for ${cmd.case}`);
};

/**
 * A one-message tx's type URL list, one frozen list per known type URL
 * (decodeTx reaches it only after the message decoded, so at most one per
 * message type): the mempool keeps a tx's list until its block.
 */
const typeUrlLists = new Map<string, readonly string[]>();
const oneTypeUrl = (url: string): readonly string[] => {
  let list = typeUrlLists.get(url);
  if (list === undefined) typeUrlLists.set(url, (list = Object.freeze([url])));
  return list;
};

const MAX_UINT64 = 2n ** 64n - 1n;
const MAX_GAS_WANTED = 2n ** 63n - 1n;

const parseAmount = (s: string): bigint | undefined =>
  /^[0-9]{1,20}$/.test(s) ? BigInt(s) : undefined;

/**
 * One Any → a protocol command, strictly decoded (the Command envelope's
 * decoder). A gradient commitment or submission in the simple shape is read
 * in place (command-fast.ts); `signer`: the tx's, reused as the string of a
 * first field that spells it; `slow`: tests force the decoder's path to
 * compare the two.
 */
export const toCommand = (
  any: Any,
  i: number,
  signer?: string,
  slow = false,
): ProtocolCommand | TxError => {
  if (!slow) {
    const fast = fastCommand(any.typeUrl, any.value, signer);
    if (fast !== undefined) return fast;
  }
  if (any.typeUrl === BANK_SEND_TYPE_URL) {
    let m: BankMsgSend;
    try {
      m = BankMsgSend.decode(any.value);
    } catch (e) {
      return new TxError(SdkCode.txDecode, `message ${i}: malformed bank MsgSend: ${String(e)}`);
    }
    if (m.amount.length !== 1 || m.amount[0]!.denom !== DENOM)
      return new TxError(
        SdkCode.invalidCoins,
        `message ${i}: a bank send moves exactly one coin, in ${DENOM}`,
      );
    const amount = parseAmount(m.amount[0]!.amount);
    if (amount === undefined || amount > MAX_UINT64)
      return new TxError(
        SdkCode.invalidCoins,
        `message ${i}: amount "${m.amount[0]!.amount}" is not a uint64 number of ${DENOM}`,
      );
    if (!isAddress(m.toAddress))
      return new TxError(
        SdkCode.invalidAddress,
        `message ${i}: to_address "${m.toAddress}" is not a ${BECH32_PREFIX}1… address`,
      );
    return command("send", { fromAddress: m.fromAddress, toAddress: m.toAddress, amount });
  }
  const field = commandFields.get(any.typeUrl);
  if (field === undefined)
    return new TxError(
      SdkCode.unknownRequest,
      `message ${i}: unknown type URL "${any.typeUrl.slice(0, 100)}"; known: ${messageTypeUrls.join(", ")}`,
    );
  // Wrap the value as its field of the Command oneof and decode that strictly.
  const tag = encodeUvarint((field.no << 3) | 2);
  const len = encodeUvarint(any.value.length);
  const bytes = new Uint8Array(tag.length + len.length + any.value.length);
  bytes.set(tag, 0);
  bytes.set(len, tag.length);
  bytes.set(any.value, tag.length + len.length);
  const cmd = decodeCommand(bytes);
  if (cmd instanceof DecodeError)
    return new TxError(SdkCode.txDecode, `message ${i} (${any.typeUrl}): ${cmd.message}`);
  // Its bytes fields are views into `bytes`, and a submission keeps its hashes in state for a window: copies of
  // the small ones (≤ 64 bytes: hashes, roots) live on V8's heap (~120 bytes each) and the buffer goes
  // (~350 bytes with its off-heap bookkeeping, held by every stored submission).
  const v = cmd.value as unknown as Record<string, unknown>;
  for (const k of Object.keys(v)) {
    const x = v[k];
    if (x instanceof Uint8Array && x.length <= 64) v[k] = x.slice();
  }
  return cmd;
};

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && Buffer.compare(a, b) === 0;

/**
 * Malleability. The signature covers the body and auth info bytes, not the
 * TxRaw envelope around them: an envelope re-encoded with an unknown field,
 * a non-minimal varint, its fields reordered or the body given twice
 * decodes to the same signed tx under another hash, which could commit
 * first and make the owner's original fail as a replay. So the envelope
 * must be exactly its canonical encoding (re-encode and compare). Body and
 * auth info are signed, but may hold no unknown fields (the Cosmos SDK's
 * ADR-027 rejects them too, lest a field the node ignores carry meaning for
 * the signer); comparing their re-encoding also refuses non-canonical
 * encodings, which no stock encoder (cosmjs, the Go SDK) writes.
 */
export const nonCanonical = (
  bytes: Uint8Array,
  raw: TxRaw,
  body: TxBody,
  auth: AuthInfo,
): string | undefined => {
  // tx-canonical.ts writes the common shape without cosmjs-types' writer (same bytes); the rest goes through cosmjs-types.
  if (!rawIsCanonical(bytes, raw))
    return "the TxRaw is not in canonical protobuf encoding (unknown fields, non-minimal varints, fields out of order or repeated)";
  if (!(
    bodyIsCanonical(raw.bodyBytes, body) ?? sameBytes(TxBody.encode(body).finish(), raw.bodyBytes)
  ))
    return "the TxBody holds unknown fields or is not in canonical protobuf encoding";
  if (!(
    authIsCanonical(raw.authInfoBytes, auth) ??
    sameBytes(AuthInfo.encode(auth).finish(), raw.authInfoBytes)
  ))
    return "the AuthInfo holds unknown fields or is not in canonical protobuf encoding";
  return undefined;
};

/** The parts of a tx through cosmjs-types: decoded, then checked canonical by re-encoding (nonCanonical). */
const slowParts = (bytes: Uint8Array): TxParts | TxError => {
  let raw: TxRaw, body: TxBody, auth: AuthInfo;
  try {
    raw = TxRaw.decode(bytes);
    body = TxBody.decode(raw.bodyBytes);
    auth = AuthInfo.decode(raw.authInfoBytes);
  } catch (e) {
    return new TxError(
      SdkCode.txDecode,
      `tx parse error: not a cosmos TxRaw (${e instanceof Error ? e.message : String(e)})`,
    );
  }
  const bad = nonCanonical(bytes, raw, body, auth);
  if (bad !== undefined) return new TxError(SdkCode.txDecode, `tx parse error: ${bad}`);
  return {
    bodyBytes: raw.bodyBytes,
    authInfoBytes: raw.authInfoBytes,
    signatures: raw.signatures,
    messages: body.messages,
    memo: body.memo,
    timeoutHeight: body.timeoutHeight,
    refused: {
      extensionOptions: body.extensionOptions.length,
      unordered: body.unordered,
      timeoutTimestamp: body.timeoutTimestamp !== undefined,
    },
    signerInfos: auth.signerInfos.map((i) => ({
      publicKey: i.publicKey,
      mode: i.modeInfo?.single?.mode,
      sequence: i.sequence,
    })),
    fee: auth.fee && { amount: auth.fee.amount, gasLimit: auth.fee.gasLimit },
  };
};

/** The compressed secp256k1 key in a PubKey message's bytes (its canonical form read in place). */
const pubkeyOf = (value: Uint8Array): Uint8Array =>
  value.length === 35 && value[0] === 0x0a && value[1] === 33
    ? value.subarray(2)
    : Secp256k1PubKey.decode(value).key;

/**
 * Stateless decoding and checks of a tx (no signature check: see
 * verifySignature). The common shape is read straight from the bytes
 * (tx-canonical.ts parseCanonicalTx), gradient commitments and submissions
 * too (command-fast.ts); anything else through cosmjs-types and the
 * Command decoder (`slow`: tests force those to compare the two).
 */
export const decodeTx = (
  bytes: Uint8Array,
  maxBytes = DEFAULT_MAX_TX_BYTES,
  hash?: Uint8Array,
  slow = false,
): DecodedTx | TxError => {
  if (bytes.length > maxBytes)
    return new TxError(SdkCode.txTooLarge, `tx is ${bytes.length} bytes, the limit is ${maxBytes}`);
  const parts = (slow ? undefined : parseCanonicalTx(bytes)) ?? slowParts(bytes);
  if (parts instanceof TxError) return parts;
  if (parts.messages.length === 0)
    return new TxError(SdkCode.invalidRequest, "the tx holds no messages");
  // What the signer asked for and this chain does not do is refused, never ignored (the Cosmos SDK's ante handlers).
  if (parts.refused.extensionOptions > 0)
    return new TxError(
      SdkCode.unknownExtensionOptions,
      `unknown extension options: this chain accepts none, got ${parts.refused.extensionOptions} (non-critical ones are ignored)`,
    );
  if (parts.refused.unordered || parts.refused.timeoutTimestamp)
    return new TxError(
      SdkCode.notSupported,
      `${parts.refused.unordered ? "unordered txs" : "timeout_timestamp"} not supported: sign an ordered tx, with timeout_height to make it expire`,
    );
  if (parts.signerInfos.length !== 1 || parts.signatures.length !== 1)
    return new TxError(
      SdkCode.unauthorized,
      `a tx needs exactly one signer and one signature, got ${parts.signerInfos.length} and ${parts.signatures.length}`,
    );
  const info = parts.signerInfos[0]!;
  if (info.mode !== SignMode.SIGN_MODE_DIRECT)
    return new TxError(
      SdkCode.unauthorized,
      "only SIGN_MODE_DIRECT single signatures are accepted",
    );
  if (info.publicKey?.typeUrl !== SECP256K1_PUBKEY_TYPE_URL)
    return new TxError(
      SdkCode.unauthorized,
      `the signer's public key must be a ${SECP256K1_PUBKEY_TYPE_URL}`,
    );
  let pubkey: Uint8Array;
  try {
    pubkey = pubkeyOf(info.publicKey.value);
  } catch {
    return new TxError(SdkCode.txDecode, "malformed secp256k1 public key");
  }
  if (pubkey.length !== 33 || (pubkey[0] !== 2 && pubkey[0] !== 3))
    return new TxError(
      SdkCode.unauthorized,
      "the public key must be a 33-byte compressed secp256k1 point",
    );
  const signature = parts.signatures[0]!;
  if (signature.length !== 64)
    return new TxError(
      SdkCode.unauthorized,
      `signature must be 64 bytes (r ‖ s), got ${signature.length}`,
    );
  // Fee: at most one coin, in uremes, a uint64 amount (duplicates were once summed, and 2^64 read as "insufficient funds").
  const coins = parts.fee?.amount ?? [];
  if (coins.length > 1)
    return new TxError(
      SdkCode.invalidCoins,
      `a fee is one coin of ${DENOM}, got ${coins.length} coins`,
    );
  let fee = 0n;
  for (let i = 0; i < coins.length; i++) {
    const c = coins[i]!;
    const a = parseAmount(c.amount);
    if (c.denom !== DENOM || a === undefined || a > MAX_UINT64)
      return new TxError(
        SdkCode.invalidCoins,
        `fees are paid in one uint64 amount of ${DENOM}, got "${c.amount.slice(0, 40)}${c.denom.slice(0, 40)}"`,
      );
    fee = a;
  }
  // ABCI's gas_wanted is an int64: a larger limit would show as negative (the Cosmos SDK's MaxGasWanted).
  const gasLimit = parts.fee?.gasLimit ?? 0n;
  if (gasLimit > MAX_GAS_WANTED)
    return new TxError(
      SdkCode.invalidRequest,
      `invalid gas limit ${gasLimit}: at most ${MAX_GAS_WANTED} (2^63 − 1)`,
    );
  // Computed per tx (~4 µs): a cache of key → address cost ~200 bytes per signer for good, and memory is the scarcer of the two.
  const signer = addressOfPubkey(pubkey);
  const msgs: ProtocolCommand[] = [];
  for (let i = 0; i < parts.messages.length; i++) {
    const cmd = toCommand(parts.messages[i]!, i, signer, slow);
    if (cmd instanceof TxError) return cmd;
    const claimed = signerOf(cmd);
    if (claimed !== signer)
      return new TxError(
        SdkCode.unauthorized,
        `message ${i} names signer "${claimed.slice(0, 100)}" but the tx is signed by ${signer}`,
      );
    msgs.push(cmd);
  }
  return {
    hash: hash ?? sha256Fast(bytes),
    size: bytes.length,
    signer,
    pubkey,
    sequence: info.sequence,
    signature,
    bodyBytes: parts.bodyBytes,
    authInfoBytes: parts.authInfoBytes,
    // A one-message tx's list exactly one long: a list grown by push holds 17 slots, and the mempool keeps it.
    msgs: msgs.length === 1 ? [msgs[0]!] : msgs,
    typeUrls:
      parts.messages.length === 1
        ? oneTypeUrl(parts.messages[0]!.typeUrl)
        : parts.messages.map((m) => m.typeUrl),
    gasLimit,
    fee,
    memo: parts.memo,
    timeoutHeight: parts.timeoutHeight,
  };
};

/**
 * Makes `address` — a string equal to the tx's signer — the signer and
 * every message field naming the signer: the account's own instance, so
 * what the tx leaves in state (a submission's miner) shares it instead of
 * keeping a copy per tx. In place (the tx fresh from decodeTx, which nothing
 * else holds yet): no copy of the tx and no key array per message.
 */
export const withSignerString = (tx: DecodedTx, address: string): DecodedTx => {
  if (address !== tx.signer)
    throw new Error(`withSignerString: ${address} is not the signer ${tx.signer}`);
  for (let i = 0; i < tx.msgs.length; i++) {
    const v = tx.msgs[i]!.value as unknown as Record<string, unknown>;
    for (const k in v) if (v[k] === address && Object.hasOwn(v, k)) v[k] = address;
  }
  (tx as { signer: string }).signer = address;
  return tx;
};

/** SIGN_MODE_DIRECT: secp256k1 over sha256(SignDoc), low-S as in the Cosmos SDK. */
export const verifySignature = (tx: DecodedTx, chainId: string, accountNumber: bigint): boolean => {
  const doc =
    signDocView(tx.bodyBytes, tx.authInfoBytes, chainId, accountNumber) ??
    SignDoc.encode({
      bodyBytes: tx.bodyBytes,
      authInfoBytes: tx.authInfoBytes,
      chainId,
      accountNumber,
    }).finish();
  return verifyDigest(tx.signature, sha256Fast(doc), tx.pubkey);
};

/** A price per gas unit in uremes, as an exact decimal: num / den. */
export interface GasPrice {
  readonly num: bigint;
  readonly den: bigint;
  /** As written, e.g. "0.01uremes". */
  readonly text: string;
}

export const ZERO_GAS_PRICE: GasPrice = { num: 0n, den: 1n, text: "0uremes" };

/** "0.01uremes" or "0.01" (uremes per gas unit, at most 18 decimals) → GasPrice; an Error for anything else. */
export const parseGasPrice = (s: string): GasPrice | Error => {
  const m = /^([0-9]{1,20})(?:\.([0-9]{1,18}))?(?:uremes)?$/.exec(s.trim());
  if (!m)
    return new Error(
      `gas price "${s}": expected a decimal number of uremes per gas unit, e.g. 0.01uremes`,
    );
  const frac = m[2] ?? "";
  return {
    num: BigInt(m[1]! + frac),
    den: 10n ** BigInt(frac.length),
    text: `${m[1]}${frac ? `.${frac}` : ""}uremes`,
  };
};

/** The least fee a tx with this gas limit pays at this price (rounded up, as the Cosmos SDK does). */
export const requiredFee = (gasLimit: bigint, price: GasPrice): bigint =>
  (gasLimit * price.num + price.den - 1n) / price.den;

/**
 * Gas is a deterministic function of size (no metering in the protocol). In
 * numbers, then one BigInt (exact: far below 2^53 for any tx size), not a
 * BigInt per operation: it is computed several times per tx.
 */
export const gasUsedOf = (size: number, messages: number): bigint =>
  BigInt(20_000 + 10 * size + 10_000 * messages);
