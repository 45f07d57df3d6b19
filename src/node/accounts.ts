/**
 * Accounts of the node layer: account numbers, sequences (replay
 * protection) and public keys. They are Cosmos SDK notions the protocol
 * does not have, so they live here, persisted by the node, not in
 * src/protocol. Numbers are handed out in a deterministic order: genesis
 * accounts and roles at InitChain, then each block's signers and transfer
 * recipients in block order.
 *
 * They are consensus state all the same (a replayed tx must fail on every
 * node alike), so the node's app hash commits to them as a second
 * component beside the protocol's:
 *
 *   accountsHash(genesis) = sha256("r3mes/accounts/v1" ‖ leaf of every account, by number)
 *   accountsHash(n)       = sha256(accountsHash(n−1) ‖ sha256(leaves of the accounts block n changed, by number))
 *   node app hash         = sha256(protocol app hash ‖ accountsHash)
 *
 * where a leaf is `varint(len) ‖ "number/sequence/pubkey hex/address"`. The
 * protocol component is exactly the simulator's app hash (apphash.ts), so
 * the equivalence of the two runtimes is still checked hash for hash, and
 * the accounts component against an independent model of the accounts.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, hexToBytes, utf8ToBytes } from "@noble/hashes/utils.js";
import { chainAppHash } from "../protocol/apphash.ts";
import { encodeUvarint } from "./framing.ts";
import { hexOf, sha256Fast } from "./hash.ts";
import type { AccountRecord } from "./store.ts";

const ACCOUNTS_DOMAIN = utf8ToBytes("r3mes/accounts/v1");

const HEX_DIGITS = "0123456789abcdef";

/** The leaf text's head: "number/sequence/". */
const headOf = (a: Readonly<AccountRecord>): string => `${a.number}/${a.sequence}/`;

/** The length of the account's leaf text after `head`'s, or -1 when its address is not ASCII. */
const asciiLeafLength = (a: Readonly<AccountRecord>, head: string): number => {
  const address = a.address;
  for (let i = 0; i < address.length; i++) if (address.charCodeAt(i) >= 0x80) return -1;
  return head.length + (a.pubkey ? 2 * a.pubkey.length : 0) + 1 + address.length;
};

const uvarintSize = (n: number): number => {
  let size = 1;
  for (let v = n; v > 0x7f; v = Math.floor(v / 128)) size++;
  return size;
};

/** Writes the ASCII leaf (text length `n`) at `p` in `out`, which has room; returns its end. */
const writeAsciiLeaf = (
  a: Readonly<AccountRecord>,
  head: string,
  n: number,
  out: Uint8Array,
  p: number,
) => {
  const prefix = uvarintSize(n);
  let v = n;
  for (let i = 0; i < prefix - 1; i++, v = Math.floor(v / 128)) out[p++] = (v & 0x7f) | 0x80;
  out[p++] = v;
  for (let i = 0; i < head.length; i++) out[p++] = head.charCodeAt(i);
  const key = a.pubkey;
  if (key)
    for (let i = 0; i < key.length; i++) {
      const b = key[i]!;
      out[p++] = HEX_DIGITS.charCodeAt(b >> 4);
      out[p++] = HEX_DIGITS.charCodeAt(b & 15);
    }
  out[p++] = 0x2f; // "/"
  const address = a.address;
  for (let i = 0; i < address.length; i++) out[p++] = address.charCodeAt(i);
  return p;
};

/** The leaf of an account whose address is not ASCII: its text's UTF-8 bytes. */
const utf8Leaf = (a: Readonly<AccountRecord>, head: string): Uint8Array => {
  // bytesToHex (pure JS) rather than Buffer's hex: Buffer would move the small on-heap key arrays to malloc'd memory.
  const body = utf8ToBytes(`${head}${a.pubkey ? bytesToHex(a.pubkey) : ""}/${a.address}`);
  const len = encodeUvarint(body.length);
  const out = new Uint8Array(len.length + body.length);
  out.set(len, 0);
  out.set(body, len.length);
  return out;
};

/**
 * An account's leaf: `varint(len) ‖ "number/sequence/pubkey hex/address"`,
 * written byte by byte into one array (the text and its hex key were ~2 KB
 * of garbage per signer per block); an address that is not ASCII takes the
 * text's UTF-8 bytes instead, so the bytes are always those of the text.
 */
export const accountLeaf = (a: Readonly<AccountRecord>): Uint8Array => {
  const head = headOf(a);
  const n = asciiLeafLength(a, head);
  if (n < 0) return utf8Leaf(a, head);
  const out = new Uint8Array(uvarintSize(n) + n);
  writeAsciiLeaf(a, head, n, out, 0);
  return out;
};

/** The block's leaves laid end to end (nextAccountsHash); a buffer grown past KEEP_BYTES is dropped after its block. */
let leaves = new Uint8Array(1 << 16);
const KEEP_BYTES = 256 << 10;

const roomFor = (p: number, n: number): void => {
  if (p + n <= leaves.length) return;
  let size = leaves.length * 2;
  while (size < p + n) size *= 2;
  const grown = new Uint8Array(size);
  grown.set(leaves.subarray(0, p));
  leaves = grown;
};

const leaf = accountLeaf;

const byNumber = (a: Readonly<AccountRecord>, b: Readonly<AccountRecord>) =>
  a.number < b.number ? -1 : a.number > b.number ? 1 : 0;

/** The accounts component at genesis: every account, by number. */
export const genesisAccountsHash = (accounts: readonly Readonly<AccountRecord>[]): Uint8Array => {
  const h = sha256.create();
  h.update(ACCOUNTS_DOMAIN);
  for (const a of [...accounts].sort(byNumber)) h.update(leaf(a));
  return h.digest();
};

/** The accounts component after a block that changed `changed` (any order; sorted by number here). */
export const nextAccountsHash = (
  prev: Uint8Array,
  changed: readonly Readonly<AccountRecord>[],
): Uint8Array => {
  // One native sha256 over the leaves laid end to end (the same digest as hashing them one by one), written into
  // one reused buffer rather than an array per leaf (each past V8's on-heap size: a malloc'd store apiece) and a
  // concatenation of them.
  const sorted = [...changed].sort(byNumber);
  let p = 0;
  for (let i = 0; i < sorted.length; i++) {
    const a = sorted[i]!;
    const head = headOf(a);
    const n = asciiLeafLength(a, head);
    if (n < 0) {
      const l = utf8Leaf(a, head);
      roomFor(p, l.length);
      leaves.set(l, p);
      p += l.length;
    } else {
      roomFor(p, uvarintSize(n) + n);
      p = writeAsciiLeaf(a, head, n, leaves, p);
    }
  }
  const inner = sha256Fast(leaves.subarray(0, p));
  if (leaves.length > KEEP_BYTES) leaves = new Uint8Array(1 << 16);
  return chainAppHash(prev, inner);
};

/** The app hash CometBFT sees: sha256(the protocol's app hash ‖ the accounts component). */
export const nodeAppHash = (protocolHash: Uint8Array, accountsHash: Uint8Array): Uint8Array =>
  chainAppHash(protocolHash, accountsHash);

/**
 * An account in memory. The key is kept as hex: a Uint8Array of 33 bytes
 * costs ~350 bytes once a snapshot's serializer has moved it off V8's heap
 * (array, buffer, backing store and its bookkeeping), its hex string ~80.
 */
export interface Account {
  readonly address: string;
  readonly number: bigint;
  sequence: bigint;
  pubkeyHex: string | undefined;
}

const recordOf = (a: Account): AccountRecord => ({
  address: a.address,
  number: a.number,
  sequence: a.sequence,
  pubkey: a.pubkeyHex === undefined ? undefined : hexToBytes(a.pubkeyHex),
});

export class Accounts {
  private readonly byAddress = new Map<string, Account>();
  private readonly dirty = new Set<string>();
  private next = 0n;

  constructor(records: Iterable<AccountRecord> = []) {
    for (const r of records) {
      this.byAddress.set(r.address, {
        address: r.address,
        number: r.number,
        sequence: r.sequence,
        pubkeyHex: r.pubkey === undefined ? undefined : bytesToHex(r.pubkey),
      });
      if (r.number >= this.next) this.next = r.number + 1n;
    }
  }

  get(address: string): Readonly<Account> | undefined {
    return this.byAddress.get(address);
  }

  get size(): number {
    return this.byAddress.size;
  }

  /** The account of an address, created with the next number if new. */
  ensure(address: string): Account {
    let a = this.byAddress.get(address);
    if (!a) {
      a = { address, number: this.next++, sequence: 0n, pubkeyHex: undefined };
      this.byAddress.set(address, a);
      this.dirty.add(address);
    }
    return a;
  }

  /** Records a signed tx: the sequence moves on and the key is remembered. */
  bump(address: string, pubkey: Uint8Array): void {
    const a = this.ensure(address);
    a.sequence += 1n;
    a.pubkeyHex ??= hexOf(pubkey);
    this.dirty.add(address);
  }

  /** Accounts changed since the last call (hashed at FinalizeBlock, written at Commit). */
  takeDirty(): AccountRecord[] {
    const out = [...this.dirty].map((k) => recordOf(this.byAddress.get(k)!)).sort(byNumber);
    this.dirty.clear();
    return out;
  }

  all(): AccountRecord[] {
    return [...this.byAddress.values()].map(recordOf).sort(byNumber);
  }
}
