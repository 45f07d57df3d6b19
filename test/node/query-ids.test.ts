/**
 * Ids and window numbers in protocol queries are 64-bit on the wire and
 * checked numbers inside: a window of 2^32 + 100 is looked up as written
 * (it once read as window 100 and answered for it), and an id above 2^53 - 1
 * is refused by name rather than rounded.
 */
import { fromBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { QueryWindowResponseSchema } from "../../src/gen/remes/v1/query_pb.ts";
import type { Accounts } from "../../src/node/accounts.ts";
import { answerQuery } from "../../src/node/query.ts";
import { demoChain } from "../../src/protocol/testing/demo-world.ts";

const uvarint = (n: bigint): number[] => {
  const out: number[] = [];
  while (n >= 0x80n) {
    out.push(Number(n & 0x7fn) | 0x80);
    n >>= 7n;
  }
  out.push(Number(n));
  return out;
};
/** A request message whose field 1 is the varint `v`. */
const field1 = (v: bigint) => new Uint8Array([0x08, ...uvarint(v)]);

const chain = demoChain(1);
chain.advanceTo(2); // window 0 is open
const view = {
  state: chain.state,
  accounts: undefined as unknown as Accounts,
  height: chain.height,
  maxTxBytes: 1 << 20,
};
const ask = (method: string, v: bigint) =>
  answerQuery(view, {
    path: `/remes.remes.v1.Query/${method}`,
    data: field1(v),
    height: 0n,
    prove: false,
  });

describe("64-bit ids in queries", () => {
  it("window 0 answers; window 2^32 is looked up intact and not found (it once answered for window 0)", () => {
    const ok = ask("Window", 0n);
    expect(ok.code).toBe(0);
    expect(fromBinary(QueryWindowResponseSchema, ok.value).window).toBe(0n);
    const far = ask("Window", 2n ** 32n);
    expect([far.code, far.log]).toEqual([22, expect.stringContaining("window 4294967296 ")]);
    const hundred = ask("GetAggregation", 2n ** 32n + 100n);
    expect([hundred.code, hundred.log]).toEqual([22, expect.stringContaining("window 4294967396")]);
    const sub = ask("GetGradient", 2n ** 32n + 100n);
    expect([sub.code, sub.log]).toEqual([22, expect.stringContaining("submission 4294967396 ")]);
  });

  it("an id of 2^53 - 1 is looked up; 2^53 and above are refused naming the field", () => {
    expect(ask("GetGradient", 2n ** 53n - 1n).code).toBe(22);
    for (const v of [2n ** 53n, 2n ** 64n - 1n]) {
      const r = ask("GetGradient", v);
      expect([r.code, r.log]).toEqual([
        18,
        expect.stringMatching(/submission_id is \d+, above 2\^53 - 1/),
      ]);
    }
    expect(ask("Window", 2n ** 53n).log).toMatch(/window is 9007199254740992, above 2\^53 - 1/);
  });

  it("a varint over 64 bits is refused, not truncated", () => {
    const r = answerQuery(view, {
      path: "/remes.remes.v1.Query/Window",
      data: new Uint8Array([0x08, ...Array(10).fill(0xff), 0x01]),
      height: 0n,
      prove: false,
    });
    expect(r.code).toBe(18);
  });
});
