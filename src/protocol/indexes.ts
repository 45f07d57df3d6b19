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
 * An index built while a transaction's journal is open reflects writes the
 * journal may undo, so an undo drops it (`keep`) and the next use rebuilds it.
 * Some indexes tolerate a superset (a stale heap item, a dispute marked for a
 * look it does not need): a reader checks each item against the state, so a
 * superset costs a visit and never changes an answer.
 *
 * `visits` counts the entries a lookup touched: a deterministic measure of a
 * block's work that tests use instead of wall time.
 */
import { ProposalStatus } from "../gen/remes/v1/events_pb.ts";
import { Role } from "../gen/remes/v1/types_pb.ts";
import { onUndo, rawOf } from "./journal.ts";
import {
  type Dispute,
  type Proposal,
  type RoleRecord,
  roleKey,
  type UnbondingEntry,
  type WindowState,
} from "./state.ts";

/** Entries visited by indexed lookups since the process started (tests read differences). */
export const visits = { count: 0 };

/** Stores a freshly built index; a journal undo drops it again (it may hold the undone writes). */
const keep = <V>(indexes: WeakMap<object, V>, raw: object, ix: V): V => {
  indexes.set(raw, ix);
  onUndo(() => {
    if (indexes.get(raw) === ix) indexes.delete(raw);
  });
  return ix;
};

// --- a binary min-heap of [completionHeight, entryId] ---

type Due = readonly [height: number, id: number];
const less = (a: Due, b: Due): boolean => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);

const byDue = (a: Due, b: Due): number => (less(a, b) ? -1 : less(b, a) ? 1 : 0);

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
    ix.due.sort(byDue); // a sorted array is a heap
    keep(unbondingIndexes, raw, ix);
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
export const indexUnbondingAdded = (
  entries: ReadonlyMap<number, UnbondingEntry>,
  u: UnbondingEntry,
): void => {
  const ix = unbondingIndexes.get(rawOf(entries));
  if (ix === undefined) return; // built lazily from the map, which already holds u
  addOwner(ix, u);
  heapPush(ix.due, [u.completionHeight, u.id]);
  onUndo(() => removeOwner(ix, u)); // the heap item turns stale: it names an entry that is gone
};

/** Call after removing `u` from `entries`. */
export const indexUnbondingRemoved = (
  entries: ReadonlyMap<number, UnbondingEntry>,
  u: UnbondingEntry,
): void => {
  const ix = unbondingIndexes.get(rawOf(entries));
  if (ix === undefined) return;
  removeOwner(ix, u);
  onUndo(() => {
    addOwner(ix, u);
    heapPush(ix.due, [u.completionHeight, u.id]);
  });
};

/** The unbonding entries of one (address, role), oldest first. */
export const unbondingOf = (
  entries: ReadonlyMap<number, UnbondingEntry>,
  role: Role,
  address: string,
): UnbondingEntry[] => {
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
export const unbondingCount = (
  entries: ReadonlyMap<number, UnbondingEntry>,
  role: Role,
  address: string,
): number => unbondingIndex(entries).byOwner.get(roleKey(role, address))?.size ?? 0;

/**
 * Ids of the entries due at `height` (completionHeight ≤ height), ascending.
 * Reads only: the heap is trimmed of stale and completed items here, which
 * changes no answer.
 */
export const unbondingDue = (
  entries: ReadonlyMap<number, UnbondingEntry>,
  height: number,
): number[] =>
  dueItems(
    unbondingIndex(entries).due,
    height,
    (d) => entries.get(d[1])?.completionHeight === d[0],
  );

/**
 * Ids of the live heap items with key ≤ height, ascending, without
 * duplicates. Pops stale items (`live` false) off the top first; walks only
 * below items that are due, so it visits O(due), not the whole heap.
 */
const dueItems = (h: Due[], height: number, live: (d: Due) => boolean): number[] => {
  while (h.length > 0 && !live(h[0]!)) {
    visits.count++;
    heapPop(h);
  }
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

// --- proposals still voting, and by the end of their voting ---

const votingIndexes = new WeakMap<object, Set<number>>();
/** Min-heap of [votingEndHeight, id] of voting proposals; an item whose proposal no longer votes is stale. */
const votingDueIndexes = new WeakMap<object, Due[]>();

const votingIndex = (proposals: ReadonlyMap<number, Proposal>): Set<number> => {
  const raw = rawOf(proposals);
  let ix = votingIndexes.get(raw);
  if (ix === undefined) {
    ix = new Set();
    for (const p of raw.values()) if (p.status === ProposalStatus.VOTING) ix.add(p.id);
    keep(votingIndexes, raw, ix);
  }
  return ix;
};

const votingDueIndex = (proposals: ReadonlyMap<number, Proposal>): Due[] => {
  const raw = rawOf(proposals);
  let ix = votingDueIndexes.get(raw);
  if (ix === undefined) {
    ix = [];
    for (const p of raw.values())
      if (p.status === ProposalStatus.VOTING) ix.push([p.votingEndHeight, p.id]);
    ix.sort(byDue);
    keep(votingDueIndexes, raw, ix);
  }
  return ix;
};

/** Call after a proposal enters (voting) or leaves (tallied) the voting set. */
export const indexProposalStatus = (
  proposals: ReadonlyMap<number, Proposal>,
  id: number,
  voting: boolean,
): void => {
  const raw = rawOf(proposals);
  const ix = votingIndexes.get(raw);
  if (ix !== undefined && ix.has(id) !== voting) {
    if (voting) ix.add(id);
    else ix.delete(id);
    onUndo(() => (voting ? ix.delete(id) : ix.add(id)));
  }
  // Leaving the voting set leaves a heap item stale (the reader checks the proposal), so does undoing an entry.
  const due = votingDueIndexes.get(raw);
  const p = proposals.get(id);
  if (due !== undefined && p !== undefined && voting) heapPush(due, [p.votingEndHeight, id]);
  if (due !== undefined && p !== undefined && !voting)
    onUndo(() => heapPush(due, [p.votingEndHeight, id]));
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

/** Proposals still voting whose voting ended at or before `height`, by id; visits O(due), not every voting proposal. */
export const proposalsDue = (
  proposals: ReadonlyMap<number, Proposal>,
  height: number,
): Proposal[] => {
  const live = (d: Due): boolean => {
    const p = proposals.get(d[1]);
    return p !== undefined && p.status === ProposalStatus.VOTING && p.votingEndHeight === d[0];
  };
  return dueItems(votingDueIndex(proposals), height, live).map((id) => proposals.get(id)!);
};

// --- finished proposals, by the end of their voting ---

const finishedIndexes = new WeakMap<object, Due[]>();

/** Min-heap of [votingEndHeight, id] of tallied proposals (stale items: pruned ones). */
const finishedIndex = (proposals: ReadonlyMap<number, Proposal>): Due[] => {
  const raw = rawOf(proposals);
  let ix = finishedIndexes.get(raw);
  if (ix === undefined) {
    ix = [];
    for (const p of raw.values())
      if (p.status !== ProposalStatus.VOTING) ix.push([p.votingEndHeight, p.id]);
    ix.sort(byDue);
    keep(finishedIndexes, raw, ix);
  }
  return ix;
};

/** Call after a proposal is tallied. */
export const indexProposalFinished = (
  proposals: ReadonlyMap<number, Proposal>,
  p: Proposal,
): void => {
  const ix = finishedIndexes.get(rawOf(proposals));
  if (ix === undefined) return;
  heapPush(ix, [p.votingEndHeight, p.id]);
};

/**
 * Ids of the tallied proposals whose voting ended at or before `height`,
 * ascending, taken off the index: the caller deletes them. Visits O(expired).
 */
export const takeFinishedProposals = (
  proposals: ReadonlyMap<number, Proposal>,
  height: number,
): number[] => {
  const h = finishedIndex(proposals);
  const out: number[] = [];
  while (h.length > 0 && h[0]![0] <= height) {
    visits.count++;
    const d = h[0]!;
    heapPop(h);
    onUndo(() => heapPush(h, d));
    const p = proposals.get(d[1]);
    if (p !== undefined && p.status !== ProposalStatus.VOTING && p.votingEndHeight === d[0])
      out.push(d[1]);
  }
  return [...new Set(out)].sort((a, b) => a - b);
};

// --- open disputes: by subject, by window, by deadline, tier-3 ones to look at ---

interface DisputeIndex {
  /** "subject/subjectId" → ids. */
  readonly bySubject: Map<string, Set<number>>;
  /** window → ids. */
  readonly byWindow: Map<number, Set<number>>;
  /** Min-heap of [deadline, id]; an item whose dispute is gone or has another deadline is stale. */
  readonly due: Due[];
  /**
   * Tier-3 disputes whose tally (verdicts, panel, the panel's stake) may have
   * changed since advanceDisputes last looked at them: only these can reach a
   * majority before their deadline. A superset costs a look and changes nothing.
   */
  readonly dirty: Set<number>;
  /** Ids added to `dirty` since the reader last drained this (marks made while it advances disputes). */
  readonly marked: number[];
  /** Validator → tier-3 disputes whose panel it sat on (a superset only marks more disputes dirty). */
  readonly panels: Map<string, Set<number>>;
}

const subjectKey = (subject: number, subjectId: number): string => `${subject}/${subjectId}`;
const disputeIndexes = new WeakMap<object, DisputeIndex>();

const disputeIndex = (disputes: ReadonlyMap<number, Dispute>): DisputeIndex => {
  const raw = rawOf(disputes);
  let ix = disputeIndexes.get(raw);
  if (ix === undefined) {
    ix = {
      bySubject: new Map(),
      byWindow: new Map(),
      due: [],
      dirty: new Set(),
      marked: [],
      panels: new Map(),
    };
    for (const d of raw.values()) {
      addDispute(ix, d);
      ix.due.push([d.deadline, d.id]);
      watch(ix, d);
    }
    ix.due.sort(byDue);
    keep(disputeIndexes, raw, ix);
  }
  return ix;
};

const addTo = <K>(m: Map<K, Set<number>>, k: K, id: number): void => {
  let ids = m.get(k);
  if (ids === undefined) m.set(k, (ids = new Set()));
  ids.add(id);
};

const removeFrom = <K>(m: Map<K, Set<number>>, k: K, id: number): void => {
  const ids = m.get(k);
  if (ids === undefined) return;
  ids.delete(id);
  if (ids.size === 0) m.delete(k);
};

const addDispute = (ix: DisputeIndex, d: Dispute): void => {
  addTo(ix.bySubject, subjectKey(d.subject, d.subjectId), d.id);
  addTo(ix.byWindow, d.window, d.id);
};

const removeDispute = (ix: DisputeIndex, d: Dispute): void => {
  removeFrom(ix.bySubject, subjectKey(d.subject, d.subjectId), d.id);
  removeFrom(ix.byWindow, d.window, d.id);
  ix.dirty.delete(d.id);
  for (const v of d.panel) removeFrom(ix.panels, v, d.id);
};

const markDirty = (ix: DisputeIndex, id: number): void => {
  if (ix.dirty.has(id)) return;
  ix.dirty.add(id);
  ix.marked.push(id);
};

/** A tier-3 dispute: to be looked at, and again whenever a panel member's stake moves. */
const watch = (ix: DisputeIndex, d: Dispute): void => {
  if (d.tier !== 3) return;
  markDirty(ix, d.id);
  for (const v of d.panel) addTo(ix.panels, v, d.id);
};

/** Call after adding `d` to `disputes`. */
export const indexDisputeAdded = (disputes: ReadonlyMap<number, Dispute>, d: Dispute): void => {
  const ix = disputeIndexes.get(rawOf(disputes));
  if (ix === undefined) return;
  addDispute(ix, d);
  heapPush(ix.due, [d.deadline, d.id]);
  watch(ix, d);
  onUndo(() => removeDispute(ix, d)); // its heap item turns stale
};

/** Call after removing `d` from `disputes`. */
export const indexDisputeRemoved = (disputes: ReadonlyMap<number, Dispute>, d: Dispute): void => {
  const ix = disputeIndexes.get(rawOf(disputes));
  if (ix === undefined) return;
  removeDispute(ix, d);
  onUndo(() => {
    addDispute(ix, d);
    heapPush(ix.due, [d.deadline, d.id]);
    watch(ix, d);
  });
};

/**
 * Call after a dispute's verdicts change, or (`moved`) its tier, panel and
 * deadline. Nothing to undo: a superset is harmless.
 */
export const indexDisputeChanged = (
  disputes: ReadonlyMap<number, Dispute>,
  d: Dispute,
  moved: boolean,
): void => {
  const ix = disputeIndexes.get(rawOf(disputes));
  if (ix === undefined) return;
  if (moved) heapPush(ix.due, [d.deadline, d.id]);
  watch(ix, d);
};

/** The oldest open dispute on a subject (the first a scan in id order finds). */
export const disputeOn = (
  disputes: ReadonlyMap<number, Dispute>,
  subject: number,
  subjectId: number,
): Dispute | undefined => {
  const ids = disputeIndex(disputes).bySubject.get(subjectKey(subject, subjectId));
  if (ids === undefined) return undefined;
  let first: number | undefined;
  for (const id of ids) {
    visits.count++;
    if (first === undefined || id < first) first = id;
  }
  return first === undefined ? undefined : disputes.get(first);
};

/** The open disputes of a window, by id. */
export const disputesOfWindow = (
  disputes: ReadonlyMap<number, Dispute>,
  window: number,
): Dispute[] => {
  const out: Dispute[] = [];
  for (const id of [...(disputeIndex(disputes).byWindow.get(window) ?? [])].sort((a, b) => a - b)) {
    visits.count++;
    const d = disputes.get(id);
    if (d !== undefined) out.push(d);
  }
  return out;
};

/**
 * What `advanceDisputes` must look at in a block at `height`, as a cursor
 * over ids in increasing order: the disputes whose deadline has come and the
 * tier-3 ones marked dirty, then (through `next`) any marked while it works
 * (a slash of a panel member) with an id above the last one it took. Every
 * other open dispute would be a no-op for it: a tier-2 dispute acts only at
 * its deadline, a tier-3 one before it only when its tally changed.
 */
export const disputesToAdvance = (
  disputes: ReadonlyMap<number, Dispute>,
  height: number,
): { next(): number | undefined } => {
  const ix = disputeIndex(disputes);
  const pending = new Set(dueItems(ix.due, height, (d) => disputes.get(d[1])?.deadline === d[0]));
  for (const id of ix.dirty) {
    visits.count++;
    pending.add(id);
  }
  ix.marked.length = 0;
  const queue = [...pending].sort((a, b) => a - b);
  let last = -1;
  return {
    next() {
      if (ix.marked.length > 0) {
        for (const id of ix.marked)
          if (id > last && !pending.has(id)) {
            pending.add(id);
            queue.push(id);
          }
        ix.marked.length = 0;
        queue.sort((a, b) => a - b);
      }
      while (queue.length > 0) {
        const id = queue.shift()!;
        if (id <= last) continue;
        last = id;
        ix.dirty.delete(id); // looked at now; a change it makes marks it again for the next block
        return id;
      }
      return undefined;
    },
  };
};

// --- roles by kind, and the active stake of a kind ---

interface RoleIndex {
  /** role → address → its record (the plain object the state holds). */
  readonly byKind: Map<Role, Map<string, RoleRecord>>;
  /** role → its active stake total, valid for the minimum stake it was summed under. */
  readonly active: Map<Role, { readonly min: bigint; total: bigint }>;
  /**
   * role → its active records sorted by address, for the minimum stake they were
   * picked under; dropped whenever a record of that role is added or its stake
   * changes (and when such a change is undone), so it never outlives the set it lists.
   */
  readonly sorted: Map<Role, { readonly min: bigint; readonly list: readonly RoleRecord[] }>;
}

const roleIndexes = new WeakMap<object, RoleIndex>();

const roleIndex = (roles: ReadonlyMap<string, RoleRecord>): RoleIndex => {
  const raw = rawOf(roles);
  let ix = roleIndexes.get(raw);
  if (ix === undefined) {
    ix = { byKind: new Map(), active: new Map(), sorted: new Map() };
    for (const r of raw.values()) addRole(ix, r);
    keep(roleIndexes, raw, ix);
  }
  return ix;
};

const addRole = (ix: RoleIndex, r: RoleRecord): void => {
  let m = ix.byKind.get(r.role);
  if (m === undefined) ix.byKind.set(r.role, (m = new Map()));
  m.set(r.address, r);
};

const activePart = (stake: bigint, min: bigint): bigint =>
  stake > 0n && stake >= min ? stake : 0n;

/** Drops the sorted list of a role's active records, now and when the change that called this is undone. */
const dropSorted = (ix: RoleIndex, role: Role): void => {
  if (!ix.sorted.delete(role)) return;
  onUndo(() => ix.sorted.delete(role));
};

/** Call after registering a role, or registering it again (a new record); roles are never removed. */
export const indexRoleAdded = (
  roles: ReadonlyMap<string, RoleRecord>,
  role: Role,
  address: string,
): void => {
  const raw = rawOf(roles);
  const ix = roleIndexes.get(raw);
  const r = raw.get(roleKey(role, address));
  if (ix === undefined || r === undefined) return;
  const prev = ix.byKind.get(role)?.get(address);
  addRole(ix, r);
  dropSorted(ix, role);
  onUndo(() => (prev === undefined ? ix.byKind.get(role)?.delete(address) : addRole(ix, prev)));
};

/**
 * Call after a role's bonded stake changed from `before` to `after`: keeps the
 * active total, and marks the tier-3 disputes a validator sits on for a look
 * (their tally weighs the panel's current stake).
 */
export const indexStakeChanged = (
  state: {
    readonly roles: ReadonlyMap<string, RoleRecord>;
    readonly disputes: ReadonlyMap<number, Dispute>;
  },
  role: Role,
  address: string,
  before: bigint,
  after: bigint,
): void => {
  const rix = roleIndexes.get(rawOf(state.roles));
  if (rix !== undefined) dropSorted(rix, role);
  const sum = rix?.active.get(role);
  if (sum !== undefined) {
    const delta = activePart(after, sum.min) - activePart(before, sum.min);
    sum.total += delta;
    onUndo(() => (sum.total -= delta));
  }
  if (role !== Role.VALIDATOR) return;
  const ix = disputeIndexes.get(rawOf(state.disputes));
  for (const id of ix?.panels.get(address) ?? []) markDirty(ix!, id);
};

/**
 * Records of one role, in no particular order (callers sort); visits only
 * that role's holders. The records are the state's own objects: read them,
 * never write through them (inside a transaction, writes go through the
 * journal's view of the state).
 */
export const rolesOfKind = (roles: ReadonlyMap<string, RoleRecord>, role: Role): RoleRecord[] => {
  const m = roleIndex(roles).byKind.get(role);
  if (m === undefined) return [];
  visits.count += m.size;
  return [...m.values()];
};

/**
 * A role's active records (stake > 0 and ≥ `min`) sorted by address, kept until
 * a record of that role is added or its stake changes: panels, shard
 * assignment and committees ask for it many times a block while it rarely
 * changes. Read-only (the records are the state's own objects, as in rolesOfKind).
 */
export const activeRolesSorted = (
  roles: ReadonlyMap<string, RoleRecord>,
  role: Role,
  min: bigint,
): readonly RoleRecord[] => {
  const ix = roleIndex(roles);
  let cached = ix.sorted.get(role);
  if (cached === undefined || cached.min !== min) {
    const list: RoleRecord[] = [];
    for (const r of rolesOfKind(roles, role)) if (activePart(r.stake, min) > 0n) list.push(r);
    list.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
    ix.sorted.set(role, (cached = { min, list }));
    // Built inside a transaction it may list writes the journal undoes: drop it then.
    onUndo(() => {
      if (ix.sorted.get(role) === cached) ix.sorted.delete(role);
    });
  }
  visits.count += cached.list.length;
  return cached.list;
};

/**
 * The stake of a role's active holders (stake > 0 and ≥ `min`), kept as a
 * running total; summed again (over that role only) when `min` differs from
 * the one it was kept under (a governance change of the minimum stake).
 */
export const activeStake = (
  roles: ReadonlyMap<string, RoleRecord>,
  role: Role,
  min: bigint,
): bigint => {
  const ix = roleIndex(roles);
  let sum = ix.active.get(role);
  if (sum === undefined || sum.min !== min) {
    let total = 0n;
    for (const r of rolesOfKind(roles, role)) total += activePart(r.stake, min);
    const fresh = { min, total };
    const prev = sum;
    ix.active.set(role, (sum = fresh));
    onUndo(() => (prev === undefined ? ix.active.delete(role) : ix.active.set(role, prev)));
  }
  visits.count++;
  return sum.total;
};

// --- revealed aggregations by id ---

const aggregationIndexes = new WeakMap<object, Map<number, number>>();

const aggregationIndex = (windows: ReadonlyMap<number, WindowState>): Map<number, number> => {
  const raw = rawOf(windows);
  let ix = aggregationIndexes.get(raw);
  if (ix === undefined) {
    ix = new Map();
    for (const w of raw.values())
      if (w.aggregation?.revealed) ix.set(w.aggregation.revealed.id, w.window);
    keep(aggregationIndexes, raw, ix);
  }
  return ix;
};

/** Call after a window's aggregation is revealed under `id`. */
export const indexAggregationRevealed = (
  windows: ReadonlyMap<number, WindowState>,
  id: number,
  window: number,
): void => {
  const ix = aggregationIndexes.get(rawOf(windows));
  if (ix === undefined) return;
  const prev = ix.get(id);
  ix.set(id, window);
  onUndo(() => (prev === undefined ? ix.delete(id) : ix.set(id, prev)));
};

/** Call after removing window `w` (settled). */
export const indexWindowRemoved = (
  windows: ReadonlyMap<number, WindowState>,
  w: WindowState,
): void => {
  const ix = aggregationIndexes.get(rawOf(windows));
  const id = w.aggregation?.revealed?.id;
  if (ix === undefined || id === undefined || ix.get(id) !== w.window) return;
  ix.delete(id);
  onUndo(() => ix.set(id, w.window));
};

/** The window whose revealed aggregation has this id (checked against the window, so a stale entry answers nothing). */
export const aggregationWindow = (
  windows: ReadonlyMap<number, WindowState>,
  id: number,
): WindowState | undefined => {
  const window = aggregationIndex(windows).get(id);
  if (window === undefined) return undefined;
  visits.count++;
  const w = windows.get(window);
  return w?.aggregation?.revealed?.id === id ? w : undefined;
};
