/**
 * One string per value in the loaded state. A state rebuilt from a snapshot
 * (v8.deserialize), its event log and the accounts table holds a separate
 * copy of a string at every place it occurs — an address is a balance key,
 * a role key and record, an account, each live submission's miner; a shard's
 * gradient CID and the kernel version are in each of its submissions. At
 * 10,000 miners that was ~48,000 address strings for 10,000 addresses
 * (3 MB). Interning after load keeps one of each.
 *
 * Values only change identity, never content or order: Maps and Sets are
 * rebuilt in their own iteration order (strings compare by content, so a
 * kept instance is always stored, never tested for identity).
 */

/** Strings at most this long are interned (addresses, CIDs, names); longer ones are rarely repeated. */
const MAX_LENGTH = 128;

export class Interner {
  private readonly table = new Map<string, string>();

  /** The kept instance of a string equal to `s`. */
  string(s: string): string {
    if (s.length > MAX_LENGTH) return s;
    const kept = this.table.get(s);
    if (kept !== undefined) return kept;
    this.table.set(s, s);
    return s;
  }

  /** Interns every string in a tree of plain objects, arrays, Maps and Sets, in place; returns it. */
  deep<T>(root: T): T {
    const seen = new Set<object>();
    const value = (v: unknown): unknown => {
      if (typeof v === "string") return this.string(v);
      if (typeof v !== "object" || v === null || ArrayBuffer.isView(v) || seen.has(v)) return v;
      seen.add(v);
      if (Object.isFrozen(v)) return v;
      if (v instanceof Map) {
        const entries = [...v].map(([k, x]) => [value(k), value(x)] as const);
        v.clear();
        for (const [k, x] of entries) v.set(k, x);
      } else if (v instanceof Set) {
        const items = [...v].map(value);
        v.clear();
        for (const x of items) v.add(x);
      } else if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          const x = v[i];
          if (typeof x === "string") v[i] = this.string(x);
          else value(x);
        }
      } else {
        const o = v as Record<string, unknown>;
        for (const k of Object.keys(o)) {
          const x = o[k];
          if (typeof x === "string") o[k] = this.string(x);
          else value(x);
        }
      }
      return v;
    };
    return value(root) as T;
  }
}
