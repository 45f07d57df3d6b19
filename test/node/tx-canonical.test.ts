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
  rawIsCanonical,
  signDocView,
} from "../../src/node/tx-canonical.ts";

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
