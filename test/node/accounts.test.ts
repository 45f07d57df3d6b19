/**
 * The accounts component of the node's app hash: it commits to every
 * account's number, sequence and key, in number order whatever order the
 * changes come in, and it chains block after block.
 */
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  accountLeaf,
  genesisAccountsHash,
  nextAccountsHash,
  nodeAppHash,
} from "../../src/node/accounts.ts";
import { sha256 } from "@noble/hashes/sha2.js";
import { concat, encodeUvarint } from "../../src/node/framing.ts";
import { chainAppHash } from "../../src/protocol/apphash.ts";
import type { AccountRecord } from "../../src/node/store.ts";

const acct = (n: number, sequence = 0n, pubkey?: Uint8Array): AccountRecord => ({
  address: `remes1acct${n}`,
  number: BigInt(n),
  sequence,
  pubkey,
});
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("accounts hash", () => {
  it("does not depend on the order accounts are listed in", () => {
    expect(hex(genesisAccountsHash([acct(0), acct(1), acct(2)]))).toBe(
      hex(genesisAccountsHash([acct(2), acct(0), acct(1)])),
    );
    const g = genesisAccountsHash([acct(0)]);
    expect(hex(nextAccountsHash(g, [acct(0, 1n), acct(1, 3n)]))).toBe(
      hex(nextAccountsHash(g, [acct(1, 3n), acct(0, 1n)])),
    );
  });

  it("changes with a sequence, a key, a number or the previous hash", () => {
    const g = genesisAccountsHash([acct(0), acct(1)]);
    const base = hex(nextAccountsHash(g, [acct(0, 1n)]));
    expect(hex(nextAccountsHash(g, [acct(0, 2n)]))).not.toBe(base);
    expect(hex(nextAccountsHash(g, [acct(0, 1n, new Uint8Array(33).fill(2))]))).not.toBe(base);
    expect(hex(nextAccountsHash(g, [{ ...acct(0, 1n), number: 5n }]))).not.toBe(base);
    expect(hex(nextAccountsHash(genesisAccountsHash([acct(0)]), [acct(0, 1n)]))).not.toBe(base);
    expect(hex(nextAccountsHash(g, []))).not.toBe(hex(g));
  });

  it("the node app hash binds both components", () => {
    const p = new Uint8Array(32).fill(1);
    const a = new Uint8Array(32).fill(2);
    expect(hex(nodeAppHash(p, a))).not.toBe(hex(nodeAppHash(a, p)));
    expect(nodeAppHash(p, a)).toHaveLength(32);
  });

  it("writes each leaf as the bytes of its text: varint(len) ‖ number/sequence/key hex/address", () => {
    const text = (a: AccountRecord) =>
      utf8ToBytes(`${a.number}/${a.sequence}/${a.pubkey ? bytesToHex(a.pubkey) : ""}/${a.address}`);
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 200 }), fc.string({ maxLength: 50, unit: "binary" })),
        fc.bigInt({ min: 0n, max: 2n ** 64n }),
        fc.bigInt({ min: 0n, max: 2n ** 64n }),
        fc.option(fc.uint8Array({ maxLength: 80 }), { nil: undefined }),
        (address, number, sequence, pubkey) => {
          const a: AccountRecord = { address, number, sequence, pubkey };
          const body = text(a);
          expect(hex(accountLeaf(a))).toBe(
            hex(new Uint8Array([...encodeUvarint(body.length), ...body])),
          );
        },
      ),
      { numRuns: 500, seed: 16 },
    );
  });

  it("chains sha256 of the changed accounts' leaves, by number, end to end (written in place: ASCII or not, past its buffer)", () => {
    const account = fc.record({
      address: fc.oneof(fc.string({ maxLength: 60 }), fc.string({ maxLength: 20, unit: "binary" })),
      number: fc.bigInt({ min: 0n, max: 2n ** 64n }),
      sequence: fc.bigInt({ min: 0n, max: 2n ** 64n }),
      pubkey: fc.option(fc.uint8Array({ maxLength: 40 }), { nil: undefined }),
    });
    const byNumber = (a: AccountRecord, b: AccountRecord) =>
      a.number < b.number ? -1 : a.number > b.number ? 1 : 0;
    const model = (prev: Uint8Array, changed: AccountRecord[]) =>
      chainAppHash(prev, sha256(concat([...changed].sort(byNumber).map(accountLeaf))));
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.array(account, { maxLength: 30 }),
        (prev, changed) => {
          expect(hex(nextAccountsHash(prev, changed))).toBe(hex(model(prev, changed)));
        },
      ),
      { numRuns: 300, seed: 16 },
    );
    // 5,000 accounts: ~0.6 MB of leaves, past the buffer's first size and the size it keeps.
    const many = Array.from({ length: 5000 }, (_, i) =>
      acct(i, BigInt(i), new Uint8Array(33).fill(i & 255)),
    );
    const prev = new Uint8Array(32).fill(9);
    for (let round = 0; round < 2; round++)
      expect(hex(nextAccountsHash(prev, many))).toBe(hex(model(prev, many)));
    expect(hex(nextAccountsHash(prev, [acct(1, 1n)]))).toBe(hex(model(prev, [acct(1, 1n)])));
  });
});
