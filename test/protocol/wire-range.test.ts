/**
 * Integer fields on the wire: the decoder refuses, never truncates, a value
 * out of its field's range (2^32 + 100 in a then uint32 window once decoded
 * as window 100; windows and ids are uint64 now, ids.ts), and a varint over
 * 64 bits.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { labelAddress } from "../../src/protocol/address.ts";
import {
  decodeCommand,
  decodeEvent,
  DecodeError,
  encodeCommand,
  encodeEvent,
} from "../../src/protocol/codec.ts";
import { command } from "../../src/protocol/commands.ts";
import { event } from "../../src/protocol/events.ts";

const uvarint = (n: bigint): number[] => {
  const out: number[] = [];
  while (n >= 0x80n) {
    out.push(Number(n & 0x7fn) | 0x80);
    n >>= 7n;
  }
  out.push(Number(n));
  return out;
};
const len = (no: number, body: number[]) => [
  ...uvarint(BigInt((no << 3) | 2)),
  ...uvarint(BigInt(body.length)),
  ...body,
];
const vint = (no: number, v: bigint) => [...uvarint(BigInt(no << 3)), ...uvarint(v)];
const utf8 = (s: string) => [...new TextEncoder().encode(s)];
const miner = labelAddress("miner");

/** Command { submit_gradient (8): MsgSubmitGradient { miner (1), field no (2: window, 3: shard) = v } }. */
const submitWith = (no: number, v: bigint) =>
  new Uint8Array(len(8, [...len(1, utf8(miner)), ...vint(no, v)]));
/** 2^64 as a varint: 11 bytes, one bit past what a 64-bit field holds. */
const OVER_64_BITS = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01];

describe("integer ranges on the wire", () => {
  it("a uint32 shard of 2^32 + 100 is refused, not read as 100; a uint64 window of 2^32 + 100 decodes intact", () => {
    const d = decodeCommand(submitWith(3, 2n ** 32n + 100n));
    expect(d).toBeInstanceOf(DecodeError);
    expect((d as DecodeError).message).toMatch(/submitGradient\.shard is 4294967396, out of range/);
    // In range, it decodes as written.
    const ok = decodeCommand(submitWith(3, 2n ** 32n - 1n));
    expect(
      ok instanceof DecodeError ? ok.message : ok.case === "submitGradient" && ok.value.shard,
    ).toBe(2 ** 32 - 1);
    // Windows are 64-bit (ids.ts): 2^32 + 100 is kept whole (decide refuses what is above 2^53 - 1).
    const wide = decodeCommand(submitWith(2, 2n ** 32n + 100n));
    expect(
      wide instanceof DecodeError
        ? wide.message
        : wide.case === "submitGradient" && wide.value.window,
    ).toBe(2n ** 32n + 100n);
  });

  it("a packed repeated uint64 element over 64 bits is refused; one of 2^40 decodes intact", () => {
    // Command { submit_aggregation (15): { proposer (1), submission_ids (5) packed [1, x] } }.
    const aggregation = (x: number[]) =>
      decodeCommand(
        new Uint8Array(len(15, [...len(1, utf8(miner)), ...len(5, [...uvarint(1n), ...x])])),
      );
    const ok = aggregation(uvarint(2n ** 40n));
    expect(
      ok instanceof DecodeError
        ? ok.message
        : ok.case === "submitAggregation" && ok.value.submissionIds,
    ).toEqual([1n, 2n ** 40n]);
    const d = aggregation(OVER_64_BITS);
    expect(d).toBeInstanceOf(DecodeError);
    expect((d as DecodeError).message).toMatch(
      /submissionIds\[1\] is not a varint of at most 64 bits/,
    );
  });

  it("an enum or bool beyond its range and a varint over 64 bits are refused", () => {
    // vote (18): { voter, proposal_id (2), option (3) = 2^35 }
    expect(
      decodeCommand(new Uint8Array(len(18, [...len(1, utf8(miner)), ...vint(3, 2n ** 35n)]))),
    ).toBeInstanceOf(DecodeError);
    // submit_arbitration_verdict (11): { validator, valid (3) = 2 }
    expect(
      decodeCommand(new Uint8Array(len(11, [...len(1, utf8(miner)), ...vint(3, 2n)]))),
    ).toBeInstanceOf(DecodeError);
    // send (1): { amount (3) as an 11-byte varint }
    const tooLong = [
      ...uvarint(3n << 3n),
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0x01,
    ];
    expect(
      decodeCommand(new Uint8Array(len(1, [...len(1, utf8(miner)), ...tooLong]))),
    ).toBeInstanceOf(DecodeError);
  });

  it("an event's height of 2^32 + 1 decodes intact, one over 64 bits is refused (a node restart replays the event log)", () => {
    // Event { block_started (40): { height (1) = v } }
    const ok = decodeEvent(new Uint8Array(len(40, vint(1, 2n ** 32n + 1n))));
    expect(
      ok instanceof DecodeError ? ok.message : ok.case === "blockStarted" && ok.value.height,
    ).toBe(2n ** 32n + 1n);
    const d = decodeEvent(new Uint8Array(len(40, [...uvarint(1n << 3n), ...OVER_64_BITS])));
    expect(d).toBeInstanceOf(DecodeError);
    expect((d as DecodeError).message).toMatch(
      /blockStarted\.height is not a varint of at most 64 bits/,
    );
  });

  it("property: every command and event in range round-trips", () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 2 ** 32 - 1 }),
        fc.nat({ max: 2 ** 32 - 1 }),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        (window, shard, size) => {
          const c = command("submitGradient", {
            miner,
            window,
            shard,
            sizeBytes: size,
            claimedLossMicro: size,
          });
          expect(decodeCommand(encodeCommand(c))).toEqual(c);
          const e = event("blockStarted", { height: window, timeMs: size });
          expect(decodeEvent(encodeEvent(e))).toEqual(e);
        },
      ),
    );
  });
});
