/**
 * Durable storage of the node: SQLite through Node's built-in `node:sqlite`.
 * Why SQLite: it is embedded (no server), needs no native build (it ships
 * inside Node 24, unlike LevelDB/LMDB bindings), and gives what crash safety
 * needs — one ACID transaction per Commit, a write-ahead log, and
 * `synchronous=FULL` so a committed block survives `kill -9` (and power loss).
 *
 * Tables: `blocks` (the event log: one row per height with the app hash, its
 * protocol and accounts components, and the block's length-prefixed encoded
 * protocol events, the same bytes the protocol hash is computed over), `accounts` (account numbers, sequences and public
 * keys: node-layer state, not part of src/protocol), `snapshots` (the whole
 * state every N blocks, v8-serialized) and `meta` (chain id, genesis).
 */
import { DatabaseSync, type StatementSync } from "node:sqlite";

export interface AccountRecord {
  readonly address: string;
  readonly number: bigint;
  sequence: bigint;
  pubkey: Uint8Array | undefined;
}

export interface BlockRow {
  readonly height: number;
  /** The node's app hash: nodeAppHash(protocolHash, accountsHash) (accounts.ts). */
  readonly appHash: Uint8Array;
  readonly protocolHash: Uint8Array;
  readonly accountsHash: Uint8Array;
  readonly events: Uint8Array;
}

export interface CommitBatch {
  readonly block: BlockRow;
  readonly accounts: readonly AccountRecord[];
  /** Serialized state at this height, when this height takes a snapshot. */
  readonly snapshot?: Uint8Array;
  readonly keepSnapshots: number;
  /** Meta entries written with the block (the beacon). */
  readonly meta?: Readonly<Record<string, Uint8Array>>;
}

const u8 = (v: unknown): Uint8Array =>
  v instanceof Uint8Array
    ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength)
    : new Uint8Array(0);

interface Row {
  height: number;
  app_hash: Uint8Array;
  protocol_hash: Uint8Array;
  accounts_hash: Uint8Array;
  events: Uint8Array;
}
const rowOf = (r: Row): BlockRow => ({
  height: r.height,
  appHash: u8(r.app_hash),
  protocolHash: u8(r.protocol_hash),
  accountsHash: u8(r.accounts_hash),
  events: u8(r.events),
});

export class NodeStore {
  private readonly db: DatabaseSync;
  private readonly st: Record<
    | "insertBlock"
    | "upsertAccount"
    | "insertSnapshot"
    | "getMeta"
    | "setMeta"
    | "lastHeight"
    | "blocksAfter"
    | "blockAt"
    | "latestSnapshot"
    | "snapshotAt"
    | "listSnapshots"
    | "pruneSnapshots"
    | "accounts",
    StatementSync
  >;

  constructor(path: string) {
    this.db = new DatabaseSync(path);
    this.db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = FULL;
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
      CREATE TABLE IF NOT EXISTS blocks (height INTEGER PRIMARY KEY, app_hash BLOB NOT NULL, protocol_hash BLOB NOT NULL, accounts_hash BLOB NOT NULL, events BLOB NOT NULL);
      CREATE TABLE IF NOT EXISTS accounts (address TEXT PRIMARY KEY, number INTEGER NOT NULL, sequence INTEGER NOT NULL, pubkey BLOB);
      CREATE TABLE IF NOT EXISTS snapshots (height INTEGER PRIMARY KEY, state BLOB NOT NULL);
    `);
    const columns = (
      this.db.prepare("SELECT name FROM pragma_table_info('blocks')").all() as { name: string }[]
    ).map((c) => c.name);
    if (!columns.includes("accounts_hash")) {
      this.db.close();
      throw new Error(
        `${path} was written by an older r3mes (its app hash had no accounts component); start the chain afresh (r3mes node init in a new home)`,
      );
    }
    const p = (sql: string) => this.db.prepare(sql);
    this.st = {
      insertBlock: p(
        "INSERT INTO blocks (height, app_hash, protocol_hash, accounts_hash, events) VALUES (?, ?, ?, ?, ?)",
      ),
      upsertAccount: p(
        "INSERT INTO accounts (address, number, sequence, pubkey) VALUES (?, ?, ?, ?) ON CONFLICT(address) DO UPDATE SET sequence = excluded.sequence, pubkey = excluded.pubkey",
      ),
      // `WHERE ?`: a run with 0 inserts nothing and only rebinds (see commit).
      insertSnapshot: p("INSERT OR REPLACE INTO snapshots (height, state) SELECT ?, ? WHERE ?"),
      getMeta: p("SELECT value FROM meta WHERE key = ?"),
      setMeta: p("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)"),
      lastHeight: p("SELECT MAX(height) AS h FROM blocks"),
      blocksAfter: p(
        "SELECT height, app_hash, protocol_hash, accounts_hash, events FROM blocks WHERE height > ? ORDER BY height",
      ),
      blockAt: p(
        "SELECT height, app_hash, protocol_hash, accounts_hash, events FROM blocks WHERE height = ?",
      ),
      latestSnapshot: p("SELECT height, state FROM snapshots ORDER BY height DESC LIMIT 1"),
      snapshotAt: p("SELECT height, state FROM snapshots WHERE height = ?"),
      listSnapshots: p("SELECT height, state FROM snapshots ORDER BY height"),
      pruneSnapshots: p(
        "DELETE FROM snapshots WHERE height NOT IN (SELECT height FROM snapshots ORDER BY height DESC LIMIT ?)",
      ),
      accounts: p("SELECT address, number, sequence, pubkey FROM accounts ORDER BY number"),
    };
    for (const s of [this.st.lastHeight, this.st.accounts]) s.setReadBigInts(true);
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }

  private tx<T>(f: () => T): T {
    this.db.exec("BEGIN IMMEDIATE");
    try {
      const out = f();
      this.db.exec("COMMIT");
      return out;
    } catch (e) {
      this.db.exec("ROLLBACK");
      throw e;
    }
  }

  getMeta(key: string): Uint8Array | undefined {
    const row = this.st.getMeta.get(key) as { value: Uint8Array } | undefined;
    return row ? u8(row.value) : undefined;
  }

  getMetaText(key: string): string | undefined {
    const v = this.getMeta(key);
    return v === undefined ? undefined : new TextDecoder().decode(v);
  }

  /**
   * SQLite keeps a statement's bound values until they are bound again, so
   * a bound snapshot (megabytes, copied by SQLite) would stay resident until
   * the next one: an empty run right after drops it.
   */
  private insertSnapshot(height: number, bytes: Uint8Array): void {
    this.st.insertSnapshot.run(height, bytes, 1);
    this.st.insertSnapshot.run(0, null, 0);
  }

  /** Starts a chain afresh (InitChain): every table emptied, then the genesis written, in one transaction. */
  resetWith(
    meta: Record<string, Uint8Array | string>,
    genesisHeight: number,
    genesisSnapshot: Uint8Array,
    accounts: readonly AccountRecord[],
  ): void {
    this.tx(() => {
      this.db.exec(
        "DELETE FROM meta; DELETE FROM blocks; DELETE FROM accounts; DELETE FROM snapshots;",
      );
      for (const [k, v] of Object.entries(meta))
        this.st.setMeta.run(k, typeof v === "string" ? new TextEncoder().encode(v) : v);
      this.insertSnapshot(genesisHeight, genesisSnapshot);
      for (const a of accounts)
        this.st.upsertAccount.run(a.address, a.number, a.sequence, a.pubkey ?? null);
    });
  }

  /** The Commit of one block: its events, the touched accounts and maybe a snapshot, atomically. */
  commit(b: CommitBatch): void {
    this.tx(() => {
      this.st.insertBlock.run(
        b.block.height,
        b.block.appHash,
        b.block.protocolHash,
        b.block.accountsHash,
        b.block.events,
      );
      for (const [k, v] of Object.entries(b.meta ?? {})) this.st.setMeta.run(k, v);
      for (const a of b.accounts)
        this.st.upsertAccount.run(a.address, a.number, a.sequence, a.pubkey ?? null);
      if (b.snapshot) {
        this.insertSnapshot(b.block.height, b.snapshot);
        this.st.pruneSnapshots.run(b.keepSnapshots);
      }
    });
  }

  lastHeight(): number | undefined {
    const row = this.st.lastHeight.get() as { h: bigint | null };
    return row.h === null ? undefined : Number(row.h);
  }

  *blocksAfter(height: number): Generator<BlockRow> {
    for (const r of this.st.blocksAfter.iterate(height) as Iterable<Row>) yield rowOf(r);
  }

  blockAt(height: number): BlockRow | undefined {
    const r = this.st.blockAt.get(height) as Row | undefined;
    return r ? rowOf(r) : undefined;
  }

  latestSnapshot(): { height: number; bytes: Uint8Array } | undefined {
    const r = this.st.latestSnapshot.get() as { height: number; state: Uint8Array } | undefined;
    return r ? { height: r.height, bytes: u8(r.state) } : undefined;
  }

  snapshotAt(height: number): Uint8Array | undefined {
    const r = this.st.snapshotAt.get(height) as { state: Uint8Array } | undefined;
    return r ? u8(r.state) : undefined;
  }

  listSnapshots(): { height: number; bytes: Uint8Array }[] {
    return (this.st.listSnapshots.all() as { height: number; state: Uint8Array }[]).map((r) => ({
      height: r.height,
      bytes: u8(r.state),
    }));
  }

  accounts(): AccountRecord[] {
    return (
      this.st.accounts.all() as {
        address: string;
        number: bigint;
        sequence: bigint;
        pubkey: Uint8Array | null;
      }[]
    ).map((r) => ({
      address: r.address,
      number: r.number,
      sequence: r.sequence,
      pubkey: r.pubkey === null ? undefined : u8(r.pubkey),
    }));
  }
}
