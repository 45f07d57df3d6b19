/**
 * Tx malleability: the TxRaw envelope is not covered by the signature, so
 * the node accepts only its canonical encoding (re-encoded, byte for byte);
 * TxBody and AuthInfo, which are signed, may hold no unknown fields (as the
 * Cosmos SDK's ADR-027). Otherwise anyone could re-encode a mempool tx, have
 * it commit under a new hash, and the owner's original fail as a replay.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { AuthInfo, SignDoc, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import {
  CheckTxType,
  ResponseProcessProposal_ProposalStatus,
} from "cosmjs-types/tendermint/abci/types";
import { describe, expect, it } from "vitest";
import { signDigest } from "../../src/node/secp256k1.ts";
import { SdkCode } from "../../src/node/tx.ts";
import { alice, bob, CHAIN_ID, finalize, freshApp, FUNDS, sendTo } from "./hostile.ts";

/** Protobuf wire bytes: a tag, a length-delimited field, a varint. */
const uvarint = (n: number): number[] => {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
};
const lenField = (no: number, bytes: Uint8Array, lenBytes = uvarint(bytes.length)) => [
  ...uvarint((no << 3) | 2),
  ...lenBytes,
  ...bytes,
];
const bytesOf = (...parts: number[][]) => new Uint8Array(parts.flat());

/** Alice's signed tx over body and auth info bytes as given (so they may hold what a stock encoder never writes). */
const signRaw = (bodyBytes: Uint8Array, authInfoBytes: Uint8Array): Uint8Array => {
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

describe("tx malleability", () => {
  const original = sendTo(bob.address);
  const raw = TxRaw.decode(original);
  const sig = raw.signatures[0]!;
  const variants: [string, Uint8Array][] = [
    ["an unknown TxRaw field", bytesOf(Array.from(original), [0x20, 0x01])],
    [
      "a non-minimal length varint",
      bytesOf(
        lenField(1, raw.bodyBytes, [...uvarint(raw.bodyBytes.length).map((b) => b | 0x80), 0x00]),
        lenField(2, raw.authInfoBytes),
        lenField(3, sig),
      ),
    ],
    [
      "reordered fields",
      bytesOf(lenField(2, raw.authInfoBytes), lenField(1, raw.bodyBytes), lenField(3, sig)),
    ],
    [
      "a duplicate body field",
      bytesOf(
        lenField(1, new Uint8Array([0x12, 0x01, 0x78])),
        lenField(1, raw.bodyBytes),
        lenField(2, raw.authInfoBytes),
        lenField(3, sig),
      ),
    ],
  ];

  it("each re-encoding of a signed TxRaw still decodes to the same signed tx (the hole)", () => {
    for (const [what, v] of variants) {
      const d = TxRaw.decode(v);
      expect([d.bodyBytes, d.authInfoBytes, d.signatures], what).toEqual([
        raw.bodyBytes,
        raw.authInfoBytes,
        raw.signatures,
      ]);
      expect(Buffer.from(v).equals(Buffer.from(original)), what).toBe(false);
    }
  });

  it("a re-encoded TxRaw is refused in CheckTx and FinalizeBlock, and the owner's original still commits", () => {
    for (const [what, v] of variants) {
      const app = freshApp();
      const c = app.checkTx(v, CheckTxType.NEW);
      expect([c.code, c.codespace], what).toEqual([SdkCode.txDecode, "sdk"]);
      expect(c.log, what).toMatch(/canonical/);
      expect(app.processProposal([v]), what).toBe(ResponseProcessProposal_ProposalStatus.REJECT);
      const r = finalize(app, [v, original]);
      expect(
        r.txResults.map((t) => t.code),
        what,
      ).toEqual([SdkCode.txDecode, 0]);
      app.commit();
      expect(app.state!.balances.get(bob.address), what).toBe(FUNDS + 1_000n);
    }
  });

  it("unknown fields in TxBody or AuthInfo are refused, though signed (as ADR-027)", () => {
    const body = TxBody.decode(raw.bodyBytes);
    const auth = AuthInfo.decode(raw.authInfoBytes);
    const bodyBytes = TxBody.encode(body).finish();
    const authBytes = AuthInfo.encode(auth).finish();
    expect(signRaw(bodyBytes, authBytes)).toEqual(original);
    const cases: [string, Uint8Array][] = [
      ["an unknown TxBody field", signRaw(bytesOf(Array.from(bodyBytes), [0x28, 0x07]), authBytes)],
      [
        "an unknown non-critical TxBody field (≥ 1024)",
        signRaw(bytesOf(Array.from(bodyBytes), lenField(1500, new Uint8Array([1]))), authBytes),
      ],
      [
        "an unknown AuthInfo field",
        signRaw(bodyBytes, bytesOf(Array.from(authBytes), [0x38, 0x01])),
      ],
    ];
    for (const [what, tx] of cases) {
      const app = freshApp();
      const c = app.checkTx(tx, CheckTxType.NEW);
      expect([c.code, c.codespace], what).toEqual([SdkCode.txDecode, "sdk"]);
      expect(finalize(app, [tx]).txResults[0]!.code, what).toBe(SdkCode.txDecode);
    }
  });

  it("ProcessProposal accepts this node's own prepared txs unchecked, and checks any other list: a re-encoded tx is still refused", () => {
    const app = freshApp();
    const prepared = app.prepareProposal([original], 1_000_000n);
    expect(prepared).toEqual([original]);
    expect(app.processProposal(prepared)).toBe(ResponseProcessProposal_ProposalStatus.ACCEPT);
    expect(app.processProposal([original.slice()])).toBe(
      ResponseProcessProposal_ProposalStatus.ACCEPT,
    );
    for (const [what, v] of variants) {
      expect(app.processProposal([v]), what).toBe(ResponseProcessProposal_ProposalStatus.REJECT);
      expect(app.processProposal([original, v]), what).toBe(
        ResponseProcessProposal_ProposalStatus.REJECT,
      );
    }
    // A variant PrepareProposal drops is not in the memo either.
    expect(app.prepareProposal([variants[0]![1]], 1_000_000n)).toEqual([]);
    expect(app.processProposal([variants[0]![1]])).toBe(
      ResponseProcessProposal_ProposalStatus.REJECT,
    );
  });
});
