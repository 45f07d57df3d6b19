/**
 * Derived indexes over the state, so that no per-block step and no slash
 * scans a collection an attacker can grow cheaply (issue 13, "bounded
 * state"). They are not state: never encoded, never hashed. Each is built
 * on first use from the collection it indexes (so a decoded snapshot, a
 * genesis import or a `cloneState` copy gets its own, rebuilt lazily) and
 * kept current by the evolve functions that change that collection.
 *
 * Keyed by the collection object (a WeakMap), not the State, so a copy of
 * the state never shares an index with its original. Under a transaction's
 * undo journal (journal.ts) every index change records its inverse.
 *
 * `visits` counts the entries a lookup touched: a deterministic measure of a
 * block's work that tests use instead of wall time.
 */
import { ProposalStatus } from "../gen/remes/v1/events_pb.ts";
import type { Role } from "../gen/remes/v1/types_pb.ts";
import { onUndo, rawOf } from "./journal.ts";
import { type Proposal, roleKey, type UnbondingEntry } from "./state.ts";

/** Entries visited by indexed lookups since the process started (tests read differences). */
export const visits = { count: 0 };

// --- a binary min-heap of [completionHeight, entryId] ---

type Due = readonly [height: number, id: number];
const less = (a: Due, b: Due): boolean => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);

const heapPush = (h: Due[], x: Due): void => {
  h.push(x);
  let i = h.length - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (!less(h[i]!, h[p]!)) break;
    [h[i], h[p]] = [h[p]!, h[i]!];
    i = p;
  }
};

const heapPop = (h: Due[]): void => {
  const last = h.pop()!;
  if (h.length === 0) return;
  h[0] = last;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < h.length && less(h[l]!, h[m]!)) m = l;
    if (r < h.length && less(h[r]!, h[m]!)) m = r;
    if (m === i) return;
    [h[i], h[m]] = [h[m]!, h[i]!];
    i = m;
  }
};

// --- unbonding entries: by owner (address, role) and by completion height ---

interface UnbondingIndex {
  /** roleKey → ids of its entries (sorted on read: an undo may re-add out of order). */
  readonly byOwner: Map<string, Set<number>>;
  /**
   * Min-heap of [completionHeight, id]. Items whose entry is gone (completed,
   * or undone) stay until they reach the top; a reader checks each against
   * the entry it names, so a stale item never completes anything.
   */
  readonly due: Due[];
}

const unbondingIndexes = new WeakMap<object, UnbondingIndex>();

const unbondingIndex = (entries: ReadonlyMap<number, UnbondingEntry>): UnbondingIndex => {
  const raw = rawOf(entries);
  let ix = unbondingIndexes.get(raw);
  if (ix === undefined) {
    ix = { byOwner: new Map(), due: [] };
    for (const u of raw.values()) {
      addOwner(ix, u);
      ix.due.push([u.completionHeight, u.id]);
    }
    ix.due.sort((a, b) => (less(a, b) ? -1 : less(b, a) ? 1 : 0)); // a sorted array is a heap
    unbondingIndexes.set(raw, ix);
  }
  return ix;
};

const addOwner = (ix: UnbondingIndex, u: UnbondingEntry): void => {
  const k = roleKey(u.role, u.address);
  let ids = ix.byOwner.get(k);
  if (ids === undefined) ix.byOwner.set(k, (ids = new Set()));
  ids.add(u.id);
};

const removeOwner = (ix: UnbondingIndex, u: UnbondingEntry): void => {
  const k = roleKey(u.role, u.address);
  const ids = ix.byOwner.get(k);
  if (ids === undefined) return;
  ids.delete(u.id);
  if (ids.size === 0) ix.byOwner.delete(k);
};

/** Call after adding `u` to `entries`. */
export const indexUnbondingAdded = (entries: ReadonlyMap<number, UnbondingEntry>, u: UnbondingEntry): void => {
  const ix = unbondingIndexes.get(rawOf(entries));
  if (ix === undefined) return; // built lazily from the map, which already holds u
  addOwner(ix, u);
  heapPush(ix.due, [u.completionHeight, u.id]);
  onUndo(() => removeOwner(ix, u)); // the heap item turns stale: it names an entry that is gone
};

/** Call after removing `u` from `entries`. */
export const indexUnbondingRemoved = (entries: ReadonlyMap<number, UnbondingEntry>, u: UnbondingEntry): void => {
  const ix = unbondingIndexes.get(rawOf(entries));
  if (ix === undefined) return;
  removeOwner(ix, u);
  onUndo(() => {
    addOwner(ix, u);
    heapPush(ix.due, [u.completionHeight, u.id]);
  });
};

/** The unbonding entries of one (address, role), oldest first. */
export const unbondingOf = (entries: ReadonlyMap<number, UnbondingEntry>, role: Role, address: string): UnbondingEntry[] => {
  const ids = unbondingIndex(entries).byOwner.get(roleKey(role, address));
  if (ids === undefined) return [];
  const out: UnbondingEntry[] = [];
  for (const id of [...ids].sort((a, b) => a - b)) {
    visits.count++;
    const u = entries.get(id);
    if (u !== undefined) out.push(u);
  }
  return out;
};

/** Number of unbonding entries one (address, role) holds. */
export const unbondingCount = (entries: ReadonlyMap<number, UnbondingEntry>, role: Role, address: string): number =>
  unbondingIndex(entries).byOwner.get(roleKey(role, address))?.size ?? 0;

/**
 * Ids of the entries due at `height` (completionHeight ≤ height), ascending.
 * Reads only: the heap is trimmed of stale and completed items here, which
 * changes no answer.
 */
export const unbondingDue = (entries: ReadonlyMap<number, UnbondingEntry>, height: number): number[] => {
  const h = unbondingIndex(entries).due;
  const live = (d: Due): boolean => entries.get(d[1])?.completionHeight === d[0];
  while (h.length > 0 && !live(h[0]!)) {
    visits.count++;
    heapPop(h);
  }
  // Walk the heap from the root, below only items that are due: visits O(due).
  const out: number[] = [];
  const stack = h.length > 0 ? [0] : [];
  while (stack.length > 0) {
    const i = stack.pop()!;
    const d = h[i]!;
    visits.count++;
    if (d[0] > height) continue;
    if (live(d)) out.push(d[1]);
    for (const c of [2 * i + 1, 2 * i + 2]) if (c < h.length) stack.push(c);
  }
  return [...new Set(out)].sort((a, b) => a - b);
};

// --- proposals still voting ---

const votingIndexes = new WeakMap<object, Set<number>>();

const votingIndex = (proposals: ReadonlyMap<number, Proposal>): Set<number> => {
  const raw = rawOf(proposals);
  let ix = votingIndexes.get(raw);
  if (ix === undefined) {
    ix = new Set();
    for (const p of raw.values()) if (p.status === ProposalStatus.VOTING) ix.add(p.id);
    votingIndexes.set(raw, ix);
  }
  return ix;
};

/** Call after a proposal enters (voting) or leaves (tallied) the voting set. */
export const indexProposalStatus = (proposals: ReadonlyMap<number, Proposal>, id: number, voting: boolean): void => {
  const ix = votingIndexes.get(rawOf(proposals));
  if (ix === undefined || ix.has(id) === voting) return;
  if (voting) ix.add(id);
  else ix.delete(id);
  onUndo(() => (voting ? ix.delete(id) : ix.add(id)));
};

/** Proposals still voting, by id. */
export const votingProposals = (proposals: ReadonlyMap<number, Proposal>): Proposal[] => {
  const out: Proposal[] = [];
  for (const id of [...votingIndex(proposals)].sort((a, b) => a - b)) {
    visits.count++;
    const p = proposals.get(id);
    if (p !== undefined) out.push(p);
  }
  return out;
};

// --- open disputes by subject ---

interface DisputeKey {
  readonly id: number;
  readonly subject: number;
  readonly subjectId: number;
}
const subjectKey = (subject: number, subjectId: number): string => `${subject}/${subjectId}`;
const disputeIndexes = new WeakMap<object, Map<string, Set<number>>>();

const disputeIndex = (disputes: ReadonlyMap<number, DisputeKey>): Map<string, Set<number>> => {
  const raw = rawOf(disputes);
  let ix = disputeIndexes.get(raw);
  if (ix === undefined) {
    ix = new Map();
    for (const d of raw.values()) addDispute(ix, d);
    disputeIndexes.set(raw, ix);
  }
  return ix;
};

const addDispute = (ix: Map<string, Set<number>>, d: DisputeKey): void => {
  const k = subjectKey(d.subject, d.subjectId);
  let ids = ix.get(k);
  if (ids === undefined) ix.set(k, (ids = new Set()));
  ids.add(d.id);
};

const removeDispute = (ix: Map<string, Set<number>>, d: DisputeKey): void => {
  const k = subjectKey(d.subject, d.subjectId);
  const ids = ix.get(k);
  if (ids === undefined) return;
  ids.delete(d.id);
  if (ids.size === 0) ix.delete(k);
};

/** Call after adding `d` to `disputes`. */
export const indexDisputeAdded = (disputes: ReadonlyMap<number, DisputeKey>, d: DisputeKey): void => {
  const ix = disputeIndexes.get(rawOf(disputes));
  if (ix === undefined) return;
  addDispute(ix, d);
  onUndo(() => removeDispute(ix, d));
};

/** Call after removing `d` from `disputes`. */
export const indexDisputeRemoved = (disputes: ReadonlyMap<number, DisputeKey>, d: DisputeKey): void => {
  const ix = disputeIndexes.get(rawOf(disputes));
  if (ix === undefined) return;
  removeDispute(ix, d);
  onUndo(() => addDispute(ix, d));
};

/** The oldest open dispute on a subject (the first a scan in id order finds). */
export const disputeOn = <D extends DisputeKey>(disputes: ReadonlyMap<number, D>, subject: number, subjectId: number): D | undefined => {
  const ids = disputeIndex(disputes).get(subjectKey(subject, subjectId));
  if (ids === undefined) return undefined;
  let first: number | undefined;
  for (const id of ids) {
    visits.count++;
    if (first === undefined || id < first) first = id;
  }
  return first === undefined ? undefined : disputes.get(first);
};
