/**
 * Off-chain work an actor paid for: the cost side of its profit. Actors
 * record what they computed (a training task, a tier-2 batch, a tier-3
 * recomputation, an aggregation): a miner its task's nominal training time
 * on its own GPU (the backend's cost, not the jittered delay; 0 ms for a
 * task it faked), a verifier or proposer one unit with 0 ms, which the
 * scenario's cost model (src/sim/costs.ts) prices per unit. Kept out of the
 * chain: nothing here feeds an app hash.
 */
export const WORK_KINDS = ["train", "tier2", "tier3", "aggregate"] as const;
export type WorkKind = (typeof WORK_KINDS)[number];

export interface WorkTotals {
  /** Milliseconds of compute by `${kind}/${gpuArch}` (arch "" when the actor has none). */
  readonly ms: ReadonlyMap<string, number>;
  /** How many units of each kind (tasks trained, batches, jobs, aggregations). */
  readonly count: ReadonlyMap<WorkKind, number>;
}

/** `${kind}/${gpuArch}` keys, built once each (a few kinds times a few architectures). */
const keys = new Map<WorkKind, Map<string, string>>();

export class WorkLedger {
  readonly #byActor = new Map<string, { ms: Map<string, number>; count: Map<WorkKind, number> }>();

  /** Records one unit of work of `kind` that took `ms` on `gpuArch` (0 ms: work skipped but counted). */
  add(address: string, kind: WorkKind, gpuArch: string, ms: number): void {
    let a = this.#byActor.get(address);
    if (!a) this.#byActor.set(address, (a = { ms: new Map(), count: new Map() }));
    let byArch = keys.get(kind);
    if (!byArch) keys.set(kind, (byArch = new Map()));
    let key = byArch.get(gpuArch);
    if (key === undefined) byArch.set(gpuArch, (key = `${kind}/${gpuArch}`));
    a.ms.set(key, (a.ms.get(key) ?? 0) + Math.max(0, Math.round(ms)));
    a.count.set(kind, (a.count.get(kind) ?? 0) + 1);
  }

  of(address: string): WorkTotals {
    return this.#byActor.get(address) ?? { ms: new Map(), count: new Map() };
  }
}
