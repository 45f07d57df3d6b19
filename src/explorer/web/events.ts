/**
 * The chain's typed events (src/node/abci-events.ts: `remes.<case>` with
 * protobuf JSON attributes; `tx`/`message` per tx), gathered from
 * `block_results` over a bounded look-back and kept current from the live
 * feed (`/events`: a summary of each NewBlock).
 */
import { rpc } from "./api.ts";
import { NUMERIC_IDS } from "./event-defaults.ts";

export interface ChainEvent {
  readonly height: number;
  /** `remes.` left off: `windowOpened`, `slashed`, …; Cosmos ones as they are (`tx`, `message`). */
  readonly type: string;
  readonly attrs: Readonly<Record<string, string>>;
  /** The tx's index in its block; -1 for the block's own (FinalizeBlock) events. */
  readonly tx: number;
}

export interface BlockInfo {
  readonly height: number;
  /** Cosmos txs (the proposer's beacon tx, src/node/beacon.ts, not counted). */
  readonly txs: number;
  readonly failed: number;
  readonly events: readonly ChainEvent[];
}

interface RawEvent {
  readonly type?: unknown;
  readonly attributes?: readonly { readonly key?: unknown; readonly value?: unknown }[];
}

const decode = (height: number, tx: number, e: RawEvent): ChainEvent => {
  const attrs: Record<string, string> = {};
  for (const a of e.attributes ?? []) attrs[String(a.key ?? "")] = String(a.value ?? "");
  const raw = String(e.type ?? "");
  const type = raw.startsWith("remes.") ? raw.slice(6) : raw;
  if (raw.startsWith("remes.")) for (const k of NUMERIC_IDS[type] ?? []) attrs[k] ??= "0";
  return { height, type, attrs, tx };
};

/** The proposer's beacon tx (src/node/beacon.ts): accepted with log "beacon", no events; no Cosmos tx. */
export const isBeacon = (r: { readonly code?: unknown; readonly log?: unknown }): boolean =>
  Number(r.code ?? 0) === 0 && r.log === "beacon";

/** CometBFT's block_results (or a live block summary's parts) → the block's events, block-level ones last. */
export const blockInfoOf = (
  height: number,
  txResults:
    | readonly {
        readonly code?: unknown;
        readonly log?: unknown;
        readonly events?: readonly RawEvent[];
      }[]
    | null
    | undefined,
  blockEvents: readonly RawEvent[] | null | undefined,
): BlockInfo => {
  const events: ChainEvent[] = [];
  let failed = 0;
  let beacons = 0;
  (txResults ?? []).forEach((r, i) => {
    if (isBeacon(r)) beacons++;
    else if (Number(r.code ?? 0) !== 0) failed++;
    else for (const e of r.events ?? []) events.push(decode(height, i, e));
  });
  for (const e of blockEvents ?? []) events.push(decode(height, -1, e));
  return { height, txs: (txResults ?? []).length - beacons, failed, events };
};

/** Blocks by height within the look-back: loads what is missing, accepts live blocks. */
export class EventStore {
  readonly blocks = new Map<number, BlockInfo>();
  private listeners = new Set<() => void>();
  latest = 0;

  constructor(public depth: number) {}

  add(b: BlockInfo): void {
    this.blocks.set(b.height, b);
    if (b.height > this.latest) this.latest = b.height;
    const low = this.latest - this.depth;
    for (const h of this.blocks.keys()) if (h <= low) this.blocks.delete(h);
  }

  onChange(f: () => void): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  changed(): void {
    for (const f of this.listeners) f();
  }

  /** Fetches block_results for every height of [latest - depth + 1, latest] not held yet, six at a time. */
  async fill(
    latest: number,
    earliest = 1,
    progress?: (done: number, of: number) => void,
  ): Promise<void> {
    if (latest > this.latest) this.latest = latest;
    const want: number[] = [];
    for (let h = Math.max(earliest, this.latest - this.depth + 1); h <= this.latest; h++)
      if (!this.blocks.has(h)) want.push(h);
    let done = 0;
    const worker = async () => {
      for (let h = want.shift(); h !== undefined; h = want.shift()) {
        try {
          const r = await rpc<{ txs_results?: []; finalize_block_events?: [] }>("block_results", {
            height: h,
          });
          this.add(blockInfoOf(h, r.txs_results, r.finalize_block_events));
        } catch {
          // A pruned or not yet stored height: left out.
        }
        progress?.(++done, done + want.length);
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));
  }

  /** Events of these types, newest first. */
  of(...types: string[]): ChainEvent[] {
    const set = new Set(types);
    const out: ChainEvent[] = [];
    const heights = [...this.blocks.keys()].sort((a, b) => b - a);
    for (const h of heights)
      for (const e of this.blocks.get(h)!.events) if (set.has(e.type)) out.push(e);
    return out;
  }

  /** The lowest height held (what the pages looked back to). */
  get from(): number {
    let m = this.latest;
    for (const h of this.blocks.keys()) if (h < m) m = h;
    return m;
  }
}
