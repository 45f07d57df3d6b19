/**
 * tx-canonical.ts's in-place re-encoding gives the same verdict as
 * cosmjs-types' `encode` (the check it replaces) on every decodable tx the
 * tx fuzzer builds — mutated envelopes, bodies and auth infos, odd memos,
 * fees and gas limits past 2^31 (where cosmjs-types writes uint64s wrong:
 * those must still be refused, as before) — and on hand-made edges.
 */
import { AuthInfo, SignDoc, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildTx, txArb } from "../../src/fuzz/targets/tx.ts";
import {
  authIsCanonical,
  bodyIsCanonical,
  parseCanonicalTx,
  rawIsCanonical,
  signDocView,
} from "../../src/node/tx-canonical.ts";
import { decodeTx, TxError } from "../../src/node/tx.ts";

const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0;

/** Each part's verdict by cosmjs-types re-encoding, and by the fast path (undefined where it defers). */
const verdicts = (bytes: Uint8Array) => {
  let raw: TxRaw, body: TxBody, auth: AuthInfo;
  try {
    raw = TxRaw.decode(bytes);
    body = TxBody.decode(raw.bodyBytes);
    auth = AuthInfo.decode(raw.authInfoBytes);
  } catch {
    return undefined;
  }
  return {
    slow: [
      same(TxRaw.encode(raw).finish(), bytes),
      same(TxBody.encode(body).finish(), raw.bodyBytes),
      same(AuthInfo.encode(auth).finish(), raw.authInfoBytes),
    ],
    fast: [
      rawIsCanonical(bytes, raw),
      bodyIsCanonical(raw.bodyBytes, body),
      authIsCanonical(raw.authInfoBytes, auth),
    ],
  };
};

/** A decodeTx answer as plain data (bytes as hex), to compare the two paths. */
const plain = (r: ReturnType<typeof decodeTx>): unknown =>
  r instanceof TxError
    ? { code: r.code, log: r.log }
    : JSON.parse(
        JSON.stringify(r, (_k, v: unknown) =>
          v instanceof Uint8Array
            ? Buffer.from(v).toString("hex")
            : typeof v === "bigint"
              ? `${v}n`
              : v,
        ),
      );

/** Whether cosmjs-types decodes the tx and re-encodes each part to exactly its bytes (the slow path's verdict). */
const slowCanonical = (bytes: Uint8Array): boolean => {
  try {
    const raw = TxRaw.decode(bytes);
    return (
      same(TxRaw.encode(raw).finish(), bytes) &&
      same(TxBody.encode(TxBody.decode(raw.bodyBytes)).finish(), raw.bodyBytes) &&
      same(AuthInfo.encode(AuthInfo.decode(raw.authInfoBytes)).finish(), raw.authInfoBytes)
    );
  } catch {
    return false;
  }
};

describe("parseCanonicalTx (decodeTx's direct reader)", () => {
  it("gives decodeTx the same answer as cosmjs-types decoding and re-encoding, on fuzzed txs and byte flips of them", () => {
    let fast = 0;
    const check = (bytes: Uint8Array) => {
      const parts = parseCanonicalTx(bytes);
      if (parts !== undefined) {
        fast++;
        expect(slowCanonical(bytes)).toBe(true);
      }
      expect(plain(decodeTx(bytes))).toEqual(plain(decodeTx(bytes, undefined, undefined, true)));
    };
    fc.assert(
      fc.property(
        txArb(),
        fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 2 }),
        (input, flips) => {
          const bytes = buildTx(input);
          check(bytes);
          if (flips.length === 0) return;
          const flipped = bytes.slice();
          for (const [at, v] of flips) if (flipped.length > 0) flipped[at % flipped.length] = v;
          check(flipped);
        },
      ),
      { numRuns: 600, seed: 16 },
    );
    expect(fast).toBeGreaterThan(200);
  });

  it("reads a stock tx in place and defers what it does not read: a two-byte varint, an unknown field, a tip", () => {
    const body = TxBody.encode(
      TxBody.fromPartial({ messages: [{ typeUrl: "/x.Y", value: Uint8Array.of(1) }], memo: "m" }),
    ).finish();
    const auth = AuthInfo.encode(
      AuthInfo.fromPartial({
        signerInfos: [{ modeInfo: { single: { mode: 1 } }, sequence: 7n }],
        fee: { amount: [{ denom: "uremes", amount: "5" }], gasLimit: 200_000n },
      }),
    ).finish();
    const tx = (b: Uint8Array, a: Uint8Array) =>
      TxRaw.encode({ bodyBytes: b, authInfoBytes: a, signatures: [new Uint8Array(64)] }).finish();
    const parts = parseCanonicalTx(tx(body, auth))!;
    expect(parts.messages).toEqual([{ typeUrl: "/x.Y", value: Uint8Array.of(1) }]);
    expect(parts.memo).toBe("m");
    expect(parts.signerInfos).toEqual([{ publicKey: undefined, mode: 1, sequence: 7n }]);
    expect(parts.fee).toEqual({ amount: [{ denom: "uremes", amount: "5" }], gasLimit: 200_000n });
    expect(parseCanonicalTx(tx(new Uint8Array([...body, 0x30, 0x01]), auth))).toBeUndefined();
    const tipped = AuthInfo.encode(
      AuthInfo.fromPartial({ ...AuthInfo.decode(auth), tip: { tipper: "a", amount: [] } }),
    ).finish();
    expect(parseCanonicalTx(tx(body, tipped))).toBeUndefined();
    // Defaults written out (canonical encoders leave them out): mode 0, sequence 0, gas limit 0, an empty memo, an empty Any value, an empty body.
    const bodyMsg = body.subarray(0, body.length - 3); // the message alone, memo dropped
    for (const [b, a] of [
      [body, Uint8Array.of(0x0a, 0x06, 0x12, 0x04, 0x0a, 0x02, 0x08, 0x00)],
      [body, Uint8Array.of(0x0a, 0x08, 0x12, 0x04, 0x0a, 0x02, 0x08, 0x01, 0x18, 0x00)],
      [body, Uint8Array.of(0x12, 0x02, 0x10, 0x00)],
      [Uint8Array.of(...bodyMsg, 0x12, 0x00), auth],
      [Uint8Array.of(0x0a, 0x06, 0x0a, 0x02, 0x2f, 0x78, 0x12, 0x00), auth],
    ] as const) {
      const bytes = tx(b, a);
      expect(parseCanonicalTx(bytes)).toBeUndefined();
      expect(slowCanonical(bytes)).toBe(false);
      expect(plain(decodeTx(bytes))).toEqual(plain(decodeTx(bytes, undefined, undefined, true)));
    }
    expect(
      parseCanonicalTx(
        TxRaw.encode({
          bodyBytes: new Uint8Array(0),
          authInfoBytes: auth,
          signatures: [],
        }).finish(),
      ),
    ).toBeDefined();
    expect(parseCanonicalTx(Uint8Array.of(0x0a, 0x00, ...tx(body, auth)))).toBeUndefined();
    // Fee gas limit 5 as a two-byte varint.
    expect(
      parseCanonicalTx(tx(body, new Uint8Array([0x12, 0x03, 0x10, 0x85, 0x00]))),
    ).toBeUndefined();
  });
});

describe("tx-canonical", () => {
  it("agrees with cosmjs-types re-encoding on fuzzed txs", () => {
    let fastAnswers = 0;
    fc.assert(
      fc.property(txArb(), (input) => {
        const v = verdicts(buildTx(input));
        if (v === undefined) return;
        v.fast.forEach((f, i) => {
          if (f === undefined) return;
          fastAnswers++;
          expect(f).toBe(v.slow[i]);
        });
      }),
      { numRuns: 400, seed: 16 },
    );
    expect(fastAnswers).toBeGreaterThan(400);
  });

  it("defers uint64s past 2^31 to cosmjs-types, which refuses them as before", () => {
    for (const gasLimit of [2n ** 31n, 2n ** 31n + 5n, 2n ** 32n - 1n]) {
      // The correct varint of the value: not what cosmjs-types writes for it.
      const varint: number[] = [];
      for (let v = gasLimit; ; v >>= 7n) {
        if (v < 0x80n) {
          varint.push(Number(v));
          break;
        }
        varint.push(Number(v & 0x7fn) | 0x80);
      }
      const fee = new Uint8Array([0x10, ...varint]);
      const bytes = new Uint8Array([0x12, fee.length, ...fee]);
      const auth = AuthInfo.decode(bytes);
      expect(authIsCanonical(bytes, auth)).toBeUndefined();
      expect(same(AuthInfo.encode(auth).finish(), bytes)).toBe(false);
    }
  });

  it("refuses a non-minimal varint and an unknown field in the fast path", () => {
    const body = TxBody.encode(TxBody.fromPartial({ memo: "hi" })).finish();
    expect(bodyIsCanonical(body, TxBody.decode(body))).toBe(true);
    const padded = new Uint8Array([...body, 0x30, 0x01]); // field 6, unknown
    expect(bodyIsCanonical(padded, TxBody.decode(padded))).toBe(false);
    const fee = new Uint8Array([0x12, 0x03, 0x10, 0x85, 0x00]); // gas limit 5 as a two-byte varint
    expect(authIsCanonical(fee, AuthInfo.decode(fee))).toBe(false);
  });

  it("writes the SignDoc as cosmjs-types does, and defers account numbers past 2^31 and non-ASCII chain ids", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.uint8Array({ maxLength: 300 }),
        fc.string({ maxLength: 20 }),
        fc.bigInt({ min: 0n, max: 2n ** 32n }),
        (bodyBytes, authInfoBytes, chainId, accountNumber) => {
          const fast = signDocView(bodyBytes, authInfoBytes, chainId, accountNumber);
          if (accountNumber >= 2n ** 31n || !/^[\x00-\x7f]*$/.test(chainId))
            expect(fast).toBeUndefined();
          else
            expect(fast && Buffer.from(fast).toString("hex")).toBe(
              Buffer.from(
                SignDoc.encode({ bodyBytes, authInfoBytes, chainId, accountNumber }).finish(),
              ).toString("hex"),
            );
        },
      ),
      { numRuns: 500, seed: 16 },
    );
  });
});
