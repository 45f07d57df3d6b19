/**
 * Target "tx": Cosmos txs through the node app in process, CheckTx then
 * FinalizeBlock of the same bytes (never committed: the committed state is
 * reloaded after each input, so every input starts from the same state and
 * replays alone). A tx is built from plain data — a signer, messages (bank
 * sends and protocol commands with every address, amount, id and enum at
 * its edges), fee coins, gas limit, sequence offset, memo — signed, and then
 * mutated on the wire: in TxBody or AuthInfo (signed after, as an attacker
 * signs what they like) or in the TxRaw envelope (after signing, as anyone
 * relaying the tx can).
 *
 * Oracles: no throw escapes; decodeTx's in-place readers give what the
 * decoders give (its `slow` path); the same bytes get the same answer
 * (accepted or refused) in CheckTx and FinalizeBlock; a second app that skipped CheckTx
 * reaches the same app hash; an accepted tx is a canonical
 * envelope (else a relayer can commit it under another hash), carries no
 * unknown fields, and has a sane fee and gas limit; the state invariants
 * hold and every account is named by a canonical address.
 */
import { MsgSend as BankMsgSend } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import { PubKey as Secp256k1PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { SignMode } from "cosmjs-types/cosmos/tx/signing/v1beta1/signing";
import { AuthInfo, SignDoc, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { CheckTxType } from "cosmjs-types/tendermint/abci/types";
import fc from "fast-check";
import { sha256 } from "@noble/hashes/sha2.js";
import { signDigest } from "../../node/secp256k1.ts";
import { commandValueBytes } from "../../node/sign.ts";
import { CommandSchema } from "../../gen/remes/v1/tx_pb.ts";
import {
  BANK_SEND_TYPE_URL,
  decodeTx,
  DENOM,
  SdkCode,
  SECP256K1_PUBKEY_TYPE_URL,
  TxError,
  typeUrlOf,
} from "../../node/tx.ts";
import { checkState } from "../../protocol/invariants.ts";
import { addressArb, commandArb, type CommandSpec, toCommand } from "../commands.ts";
import { finding, type Finding } from "../finding.ts";
import { checkAccounts } from "../oracles.ts";
import { AUTH_INFO, type Mutation, mutate, TX_BODY, unknownFields } from "../protowire.ts";
import type { FuzzTarget } from "../runner.ts";
import { ACTOR_KEYS, ACTORS, CHAIN_ID, fuzzApp } from "../world.ts";
import { finalizeBlockRequest } from "../../node/testing/test-node.ts";
import type { RemesApp } from "../../node/app.ts";

interface BankSpec {
  readonly bank: {
    readonly from: string;
    readonly to: string;
    readonly amount: string;
    readonly denom: string;
  };
}
type MsgSpec = BankSpec | CommandSpec;

export interface TxInput {
  readonly signer: number;
  readonly msgs: readonly MsgSpec[];
  readonly fee: readonly { readonly denom: string; readonly amount: string }[];
  readonly gasLimit: bigint;
  /** Added to the account's sequence. */
  readonly sequenceDelta: bigint;
  readonly memo: string;
  readonly mutations: readonly {
    readonly level: "raw" | "body" | "auth" | "msg";
    readonly m: Mutation;
  }[];
  readonly badSignature: boolean;
}

const U64 = 2n ** 64n;
const amountText = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom("1", "1000", "5000", "1000000000") },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      String(U64 - 1n),
      String(U64),
      "0",
      "-1",
      "01",
      "1e3",
      "",
      " 1",
      "340282366920938463463374607431768211456",
    ),
  },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: U64 }).map(String) },
);
const denom = fc.oneof(
  { weight: 4, arbitrary: fc.constant(DENOM) },
  { weight: 1, arbitrary: fc.constantFrom("", "UREMES", "uatom", "uremes ") },
);

/** Stands for the tx's signer in a message's address fields (resolved when the tx is built). */
export const SIGNER = "@signer";
const signerOr = fc.oneof(
  { weight: 4, arbitrary: fc.constant(SIGNER) },
  { weight: 1, arbitrary: addressArb(ACTORS) },
);

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant("drop" as const), i: fc.nat(8) }),
  fc.record({ op: fc.constant("dup" as const), i: fc.nat(8) }),
  fc.record({ op: fc.constant("swap" as const), i: fc.nat(8), j: fc.nat(8) }),
  fc.record({ op: fc.constant("stretch" as const), i: fc.nat(8), tag: fc.nat(3), len: fc.nat(3) }),
  fc.record({
    op: fc.constant("lie" as const),
    i: fc.nat(8),
    delta: fc.constantFrom(-2, -1, 1, 2, 1000, 2 ** 31),
  }),
  fc.record({
    op: fc.constant("repeat" as const),
    i: fc.nat(8),
    times: fc.constantFrom(1, 2, 10, 500),
  }),
  fc.record({
    op: fc.constant("unknown" as const),
    no: fc.constantFrom(3, 4, 5, 6, 7, 15, 99, 1023, 1024, 2047, 2 ** 29 - 1),
    wire: fc.constantFrom(0 as const, 2 as const),
    value: fc.uint8Array({ maxLength: 8 }),
    at: fc.nat(8),
  }),
  fc.record({ op: fc.constant("byte" as const), at: fc.nat(), value: fc.nat(255) }),
  fc.record({ op: fc.constant("truncate" as const), keep: fc.nat() }),
);

export const txArb = (): fc.Arbitrary<TxInput> => {
  const bank: fc.Arbitrary<BankSpec> = fc
    .record({ from: signerOr, to: addressArb(ACTORS), amount: amountText, denom })
    .map((bank) => ({ bank }));
  // The command's signer field (its first) is the tx's signer 4 times in 5.
  const cmd = fc
    .tuple(commandArb(ACTORS), signerOr)
    .map(([c, who]) =>
      who === SIGNER ? { ...c, init: { ...c.init, [signerField(c.case)]: SIGNER } } : c,
    );
  const msg = fc.oneof({ weight: 2, arbitrary: bank }, { weight: 3, arbitrary: cmd });
  return fc.record({
    signer: fc.nat(ACTORS.length - 1),
    msgs: fc.oneof(
      { weight: 5, arbitrary: fc.array(msg, { minLength: 1, maxLength: 1 }) },
      { weight: 1, arbitrary: fc.array(msg, { maxLength: 3 }) },
    ),
    fee: fc.oneof(
      { weight: 3, arbitrary: fc.constant([]) },
      {
        weight: 3,
        arbitrary: fc.array(fc.record({ denom, amount: amountText }), {
          minLength: 1,
          maxLength: 2,
        }),
      },
    ),
    gasLimit: fc.oneof(
      { weight: 4, arbitrary: fc.constant(1_000_000n) },
      { weight: 1, arbitrary: fc.constantFrom(0n, 1n, 2n ** 63n - 1n, 2n ** 63n, U64 - 1n) },
    ),
    sequenceDelta: fc.oneof(
      { weight: 8, arbitrary: fc.constant(0n) },
      { weight: 1, arbitrary: fc.constantFrom(-1n, 1n, U64 - 1n) },
    ),
    memo: fc.oneof(
      { weight: 5, arbitrary: fc.constant("") },
      { weight: 1, arbitrary: fc.constantFrom("hi", "x".repeat(300), "\u0000\ud800") },
    ),
    mutations: fc.oneof(
      { weight: 2, arbitrary: fc.constant([]) },
      {
        weight: 3,
        arbitrary: fc.array(
          fc.record({
            level: fc.constantFrom(
              "raw" as const,
              "body" as const,
              "auth" as const,
              "msg" as const,
            ),
            m: mutationArb,
          }),
          { minLength: 1, maxLength: 3 },
        ),
      },
    ),
    badSignature: fc.oneof(
      { weight: 20, arbitrary: fc.constant(false) },
      { weight: 1, arbitrary: fc.constant(true) },
    ),
  });
};

const signerField = (kind: string): string =>
  CommandSchema.fields.find((f) => f.localName === kind)!.message!.fields[0]!.localName;

const anyOf = (m: MsgSpec, signer: string) => {
  const who = (a: unknown) => (a === SIGNER ? signer : a);
  if ("bank" in m) {
    const b = m.bank;
    return {
      typeUrl: BANK_SEND_TYPE_URL,
      value: BankMsgSend.encode({
        fromAddress: who(b.from) as string,
        toAddress: b.to,
        amount: [{ denom: b.denom, amount: b.amount }],
      }).finish(),
    };
  }
  const cmd = toCommand({
    case: m.case,
    init: Object.fromEntries(Object.entries(m.init).map(([k, v]) => [k, who(v)])),
  });
  return { typeUrl: typeUrlOf(cmd), value: commandValueBytes(cmd) };
};

/**
 * The tx bytes an input stands for: the account number and sequence read
 * from `app`'s committed state, the sequence after `earlier` txs of the
 * same signer that come first in the same block.
 */
export const buildTx = (input: TxInput, app: RemesApp = fuzzApp(), earlier = 0n): Uint8Array => {
  const key = ACTOR_KEYS[input.signer % ACTOR_KEYS.length]!;
  const account = app.accounts.get(key.address)!;
  const at = (level: string, b: Uint8Array) =>
    input.mutations.reduce((x, { level: l, m }) => (l === level ? mutate(x, m) : x), b);
  const messages = input.msgs.map((m) => anyOf(m, key.address));
  if (messages.length > 0) messages[0] = { ...messages[0]!, value: at("msg", messages[0]!.value) };
  const bodyBytes = at(
    "body",
    TxBody.encode(TxBody.fromPartial({ messages, memo: input.memo })).finish(),
  );
  const authInfoBytes = at(
    "auth",
    AuthInfo.encode(
      AuthInfo.fromPartial({
        signerInfos: [
          {
            publicKey: {
              typeUrl: SECP256K1_PUBKEY_TYPE_URL,
              value: Secp256k1PubKey.encode({ key: key.pubkey }).finish(),
            },
            modeInfo: { single: { mode: SignMode.SIGN_MODE_DIRECT } },
            sequence: BigInt.asUintN(64, account.sequence + earlier + input.sequenceDelta),
          },
        ],
        fee: {
          amount: input.fee.map((c) => ({ ...c })),
          gasLimit: BigInt.asUintN(64, input.gasLimit),
        },
      }),
    ).finish(),
  );
  const doc = SignDoc.encode({
    bodyBytes,
    authInfoBytes,
    chainId: CHAIN_ID,
    accountNumber: account.number,
  }).finish();
  const sig = signDigest(sha256(doc), key.secretKey);
  if (input.badSignature) sig[5]! ^= 1;
  return at("raw", TxRaw.encode({ bodyBytes, authInfoBytes, signatures: [sig] }).finish());
};

const same = (a: Uint8Array, b: Uint8Array) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** What is wrong with a tx's bytes accepted for the block at `height`: a non-canonical envelope, unknown fields, a fee or gas limit past its type, a field ignored. */
export const acceptedTxFinding = (bytes: Uint8Array, height: bigint): Finding | undefined => {
  const raw = TxRaw.decode(bytes);
  if (!same(TxRaw.encode(raw).finish(), bytes))
    return finding(
      "tx.malleable-envelope",
      "an accepted tx's TxRaw is not canonical: re-encoded, the same tx commits under another hash",
    );
  const unknown = [
    ...unknownFields(raw.bodyBytes, TX_BODY).map((f) => `body field ${f}`),
    ...unknownFields(raw.authInfoBytes, AUTH_INFO).map((f) => `auth_info field ${f}`),
  ];
  if (unknown.length > 0)
    return finding(
      "tx.unknown-fields",
      `an accepted tx carries fields the node does not know and ignores: ${unknown.slice(0, 4).join(", ")}`,
    );
  const auth = AuthInfo.decode(raw.authInfoBytes);
  const gas = auth.fee?.gasLimit ?? 0n;
  const coins = auth.fee?.amount ?? [];
  if (gas > 2n ** 63n - 1n)
    return finding("tx.fee-gas-edge", `an accepted tx has gas limit ${gas} (above 2^63 − 1)`);
  if (coins.length > 1)
    return finding(
      "tx.fee-gas-edge",
      `an accepted tx pays its fee in ${coins.length} coins (${coins.map((c) => c.amount + c.denom).join(", ")})`,
    );
  if (coins.some((c) => !/^[0-9]+$/.test(c.amount) || BigInt(c.amount) >= U64))
    return finding(
      "tx.fee-gas-edge",
      `an accepted tx pays a fee of ${coins[0]!.amount} (not a uint64)`,
    );
  // A field the node would ignore changes what the signer meant: an expired timeout, a critical extension option,
  // unordered, a timeout timestamp. (Non-critical extension options are ignorable by definition, as in the SDK.)
  const body = TxBody.decode(raw.bodyBytes);
  if (
    (body.timeoutHeight !== 0n && body.timeoutHeight < height) ||
    body.extensionOptions.length > 0 ||
    body.unordered ||
    body.timeoutTimestamp !== undefined
  ) {
    return finding(
      "tx.ignored-fields",
      `a tx accepted at height ${height} sets timeout_height ${body.timeoutHeight} / ${body.extensionOptions.length} extension options / unordered ${body.unordered} / a timeout timestamp ${body.timeoutTimestamp !== undefined}, which the node ignores`,
    );
  }
  return undefined;
};

const feeCoins = (bytes: Uint8Array) => {
  try {
    return AuthInfo.decode(TxRaw.decode(bytes).authInfoBytes).fee?.amount ?? [];
  } catch {
    return [];
  }
};

/** A decodeTx answer as text: bytes as hex, bigints and numbers apart, keys in order (the two paths build the same shapes). */
const decodedText = (r: ReturnType<typeof decodeTx>): string =>
  r instanceof TxError
    ? `error ${r.code}: ${r.log}`
    : JSON.stringify(r, (_k, v: unknown) =>
        v instanceof Uint8Array
          ? `bytes:${Buffer.from(v).toString("hex")}`
          : typeof v === "bigint"
            ? `bigint:${v}`
            : v,
      );

/** decodeTx's in-place readers (tx-canonical.ts, command-fast.ts) against cosmjs-types and the Command decoder. */
const fastPathFinding = (bytes: Uint8Array): Finding | undefined => {
  const fast = decodedText(decodeTx(bytes));
  const slow = decodedText(decodeTx(bytes, undefined, undefined, true));
  if (fast === slow) return undefined;
  let at = 0;
  while (fast[at] === slow[at]) at++;
  const from = Math.max(0, at - 60);
  return finding(
    "tx.fast-path-disagree",
    `decodeTx's in-place readers and the decoders differ at character ${at}: …${fast.slice(from, at + 100)}… against …${slow.slice(from, at + 100)}…`,
  );
};

/** Codes whose CheckTx/FinalizeBlock difference is policy: the minimum gas price is each node's own (mempool admission). */
const checkOnly = new Set<number>([SdkCode.insufficientFee]);

export const checkTxInput = (input: TxInput): Finding | undefined => {
  const app = fuzzApp();
  const other = fuzzApp(1);
  try {
    const bytes = buildTx(input);
    const decoded = fastPathFinding(bytes);
    if (decoded) return decoded;
    const ck = app.checkTx(bytes, CheckTxType.NEW);
    const block = finalizeBlockRequest({ height: app.height + 1, txs: [bytes] });
    const fin = app.finalizeBlock(block);
    const r = fin.txResults[0]!;
    // A node that never saw the tx in CheckTx (nothing cached) must reach the same app hash.
    const fin2 = other.finalizeBlock(block);
    if (!same(fin.appHash, fin2.appHash) || fin2.txResults[0]!.code !== r.code) {
      return finding(
        "tx.app-hash-fork",
        `two apps disagree on the block: codes ${r.code} / ${fin2.txResults[0]!.code}, app hashes differ: ${!same(fin.appHash, fin2.appHash)} (the second skipped CheckTx)`,
      );
    }
    if ((ck.code === 0) !== (r.code === 0) && !(checkOnly.has(ck.code) && r.code === 0)) {
      return finding(
        "tx.checktx-finalize-disagree",
        `CheckTx answers code ${ck.code} (${ck.log.slice(0, 160)}), FinalizeBlock code ${r.code} (${r.log.slice(0, 160)})`,
      );
    }
    // A fee above uint64 is malformed (invalid coins), not a fee the signer can not afford.
    if (
      ck.code !== 0 &&
      /insufficient funds/i.test(ck.log) &&
      feeCoins(bytes).some((c) => /^[0-9]+$/.test(c.amount) && BigInt(c.amount) >= U64)
    ) {
      return finding(
        "tx.fee-gas-edge",
        `a fee of ${feeCoins(bytes)
          .map((c) => c.amount + c.denom)
          .join(
            ", ",
          )} is refused as insufficient funds (code ${ck.code}), not as invalid coins (${SdkCode.invalidCoins})`,
      );
    }
    if (ck.code === 0 || r.code === 0) {
      const bad = acceptedTxFinding(bytes, BigInt(block.height));
      if (bad) return bad;
    }
    const state = app.state!;
    const broken = checkState(state);
    if (broken.length > 0) return finding("tx.invariant", broken.slice(0, 3).join("; "));
    return checkAccounts(
      state.balances.keys(),
      [...state.roles.values()].map((x) => x.address),
      app.accounts.all().map((a) => a.address),
    );
  } finally {
    app.load();
    other.load();
  }
};

export const txTarget: FuzzTarget<TxInput> = {
  name: "tx",
  description:
    "signed Cosmos txs mutated structurally and semantically, through CheckTx and FinalizeBlock in process",
  ciRuns: 30_000,
  arbitrary: txArb,
  check: checkTxInput,
};
