/**
 * Aggregation proposers. When the chain draws one for a window, it fetches
 * the window's live submissions from the content store (those whose bytes it
 * can not fetch are left out), combines their updates by its method (mean,
 * median, trimmed mean, Krum), publishes the aggregate to the content store (the
 * chain gets only its CID), commits to it, and reveals
 * it once the commitment is on chain. Work tier 1 did not verify that is
 * under a dispute or an availability challenge (a mismatch, an isolation
 * audit), and work on an audited trap shard (a trap shard's submissions are
 * the window's real task, traps.ts), is left out until decided: committed
 * to, work rejected later would be in the aggregate or void the round
 * (REJECTED_AFTER_COMMIT). Verified work under a challenge stays in:
 * validators count leaving it out against the proposer, so a challenger
 * could otherwise get an honest proposer's aggregate disputed. The proposer
 * looks again twice a block while a commit can still land; with nothing
 * settled by then it commits nothing, and the chain ends the round
 * NOTHING_SETTLED without a slash (aggregation.ts). A colluding proposer
 * includes only its coalition's submissions (when it has any), so honest
 * validators find verified work left out and challenge it.
 */
import { DisputeSubject, SubmissionStatus } from "../gen/remes/v1/events_pb.ts";
import type { AggregationMethod } from "../gen/remes/v1/types_pb.ts";
import { aggregationCommitment, gradientRoot } from "../protocol/aggregation.ts";
import { challengedSubmissions } from "../protocol/availability.ts";
import { command } from "../protocol/commands.ts";
import type { ProtocolEvent } from "../protocol/events.ts";
import { hashParts } from "../protocol/randomness.ts";
import { openDisputeOn } from "../protocol/verification/disputes.ts";
import type { ActorInfo } from "./kinds.ts";
import type { Actor, ActorIO } from "./actor.ts";
import { aggregateUpdates, l1 } from "./aggregate.ts";

interface Pending {
  readonly window: number;
  readonly cid: string;
  readonly root: Uint8Array;
  readonly ids: number[];
  readonly method: AggregationMethod;
  readonly salt: Uint8Array;
}

export class Proposer implements Actor {
  readonly role = "proposer";
  readonly subscriptions = [] as const;
  #pending = new Map<number, Pending>();

  /** `coalition`: addresses whose submissions a colluding proposer keeps (empty: honest). */
  /**
   * `include`: "live" aggregates every settled submission not rejected (robust
   * combination is the defence); "agreed" also leaves out tier-1 mismatches
   * whose dispute ended undecided.
   * `coalition`: addresses whose submissions a colluding proposer keeps (empty: honest).
   */
  constructor(
    readonly info: ActorInfo,
    readonly method: AggregationMethod,
    readonly include: "live" | "agreed" = "live",
    readonly coalition: ReadonlySet<string> = new Set(),
  ) {}

  reset(): void {
    this.#pending = new Map();
  }

  onEvents(events: readonly ProtocolEvent[], io: ActorIO): void {
    for (const e of events) {
      if (e.case !== "aggregationProposerSelected" || e.value.proposer !== this.info.address) {
        if (e.case === "aggregationCommitted" && e.value.proposer === this.info.address)
          this.#reveal(Number(e.value.window), io);
        continue;
      }
      // Wait for the window's trap reveals to land (a trap shard's work then waits for its audit),
      // but commit by the deadline.
      const window = Number(e.value.window);
      const waitBlocks = Math.max(
        0,
        Math.min(2, Number(e.value.commitDeadline) - io.chain.height - 2),
      );
      io.wake(waitBlocks * io.blockTimeMs, () => this.#commit(window, io));
    }
  }

  #commit(window: number, io: ActorIO): void {
    const state = io.chain.state;
    const round = state.windows.get(window)?.aggregation;
    // Committed, failed, or too late for a commit to land by the deadline.
    if (
      !round ||
      round.commitment ||
      round.fault !== undefined ||
      io.chain.height >= round.commitDeadline
    )
      return;
    const live = io.world.queries.live(state, window);
    const traps = io.world.queries.trapShards(state, window);
    const sampled = challengedSubmissions(state);
    // Work tier 1 verified stays in while challenged (validators count it as work left out), unless a
    // trap audit holds it; flagged or unconfirmed work under a dispute or an availability challenge
    // waits for the verdict.
    const disputed = (s: (typeof live)[number]) =>
      (s.status !== SubmissionStatus.VERIFIED || traps.has(s.shard)) &&
      (sampled.has(s.id) || openDisputeOn(state, DisputeSubject.GRADIENT, s.id) !== undefined);
    let subs = live.filter(
      (s) =>
        (this.include === "live" || s.status !== SubmissionStatus.MISMATCHED) &&
        !disputed(s) &&
        io.world.store.get(s.gradientCid)?.update !== undefined,
    );
    const ours = subs.filter((s) => this.coalition.has(s.miner));
    if (this.coalition.size > 0 && ours.length > 0) subs = ours;
    if (subs.length === 0) {
      // Checks still open: look again twice a block (a verdict seen in block h still gets a commit
      // into block h + 1) until the deadline (the guard above).
      if (live.some(disputed))
        io.wake(Math.max(1, Math.floor(io.blockTimeMs / 2)), () => this.#commit(window, io));
      return;
    }
    const updates = subs.map((s) => io.world.store.get(s.gradientCid)!.update!);
    const vector = aggregateUpdates(updates, this.method);
    io.world.work.add(this.info.address, "aggregate", "", 0);
    const cid = io.world.store.aggregateCidOf(vector);
    io.world.store.putAggregate(cid, vector);
    const root = gradientRoot(subs.map((s) => s.gradientHash));
    const salt = hashParts("sim/agg-salt", io.prng.nextU64());
    const p: Pending = { window, cid, root, ids: subs.map((s) => s.id), method: this.method, salt };
    this.#pending.set(window, p);
    const truth = io.world.trueUpdate?.(window);
    io.world.aggregates.push({
      window,
      proposer: this.info.address,
      method: this.method,
      included: subs.length,
      vector: [...vector],
      trueVector: truth ? [...truth] : [],
      errorL1: truth ? l1(vector, truth) : 0,
    });
    io.submit(
      command("commitAggregation", {
        proposer: this.info.address,
        window,
        commitment: aggregationCommitment(window, cid, root, this.method, salt),
      }),
    );
  }

  #reveal(window: number, io: ActorIO): void {
    const p = this.#pending.get(window);
    if (!p) return;
    this.#pending.delete(window);
    io.submit(
      command("submitAggregation", {
        proposer: this.info.address,
        window,
        aggregatedCid: p.cid,
        merkleRoot: p.root,
        submissionIds: p.ids,
        method: p.method,
        salt: p.salt,
      }),
    );
  }
}
