/**
 * Accounts of the node layer: account numbers, sequences (replay
 * protection) and public keys. They are Cosmos SDK notions the protocol
 * does not have, so they live here, persisted by the node, not in
 * src/protocol. Numbers are handed out in a deterministic order: genesis
 * accounts and roles at InitChain, then each block's signers and transfer
 * recipients in block order.
 */
import type { AccountRecord } from "./store.ts";

export class Accounts {
  private readonly byAddress = new Map<string, AccountRecord>();
  private readonly dirty = new Set<string>();
  private next = 0n;

  constructor(records: Iterable<AccountRecord> = []) {
    for (const r of records) {
      this.byAddress.set(r.address, { ...r });
      if (r.number >= this.next) this.next = r.number + 1n;
    }
  }

  get(address: string): AccountRecord | undefined {
    return this.byAddress.get(address);
  }

  get size(): number {
    return this.byAddress.size;
  }

  /** The account of an address, created with the next number if new. */
  ensure(address: string): AccountRecord {
    let a = this.byAddress.get(address);
    if (!a) {
      a = { address, number: this.next++, sequence: 0n, pubkey: undefined };
      this.byAddress.set(address, a);
      this.dirty.add(address);
    }
    return a;
  }

  /** Records a signed tx: the sequence moves on and the key is remembered. */
  bump(address: string, pubkey: Uint8Array): void {
    const a = this.ensure(address);
    a.sequence += 1n;
    a.pubkey ??= pubkey;
    this.dirty.add(address);
  }

  /** Accounts changed since the last call (written at Commit). */
  takeDirty(): AccountRecord[] {
    const out = [...this.dirty].sort().map((k) => ({ ...this.byAddress.get(k)! }));
    this.dirty.clear();
    return out;
  }

  all(): AccountRecord[] {
    return [...this.byAddress.values()].map((a) => ({ ...a })).sort((a, b) => (a.number < b.number ? -1 : 1));
  }
}
