/**
 * Aggregate withholder: a proposer drawn for a window that computes and
 * commits its aggregate like an honest one, then withholds:
 * - "blob": reveals the aggregate's CID on chain but never publishes the
 *   blob, so no one can fetch the update. Verifiers find it missing from the
 *   content store, challenge, and a tier-3 panel rejects the aggregation: the
 *   proposer is slashed slash_proposer_fault_bps (20%) and the challenger
 *   takes challenger_reward_bps of it.
 * - "reveal": commits and never reveals. The window ends with no aggregate
 *   (no model update) and the proposer pays only the liveness fault rate
 *   (slash_downtime_bps, 0.01% of its stake) and forgoes proposer_reward:
 *   a near-free way to stall training.
 */
import { aggregationCommitment, gradientRoot } from "../../protocol/aggregation.ts";
import { command } from "../../protocol/commands.ts";
import type { ProtocolEvent } from "../../protocol/events.ts";
import { hashParts } from "../../protocol/randomness.ts";
import type { AggregationMethod } from "../../gen/remes/v1/types_pb.ts";
import type { ActorInfo } from "../kinds.ts";
import type { Actor, ActorIO } from "../actor.ts";
import { aggregateUpdates } from "../aggregate.ts";

export type Withhold = "blob" | "reveal";

interface Pending {
  readonly cid: string;
  readonly root: Uint8Array;
  readonly ids: number[];
  readonly salt: Uint8Array;
}

export class WithholdingProposer implements Actor {
  readonly role = "proposer";
  readonly subscriptions = [] as const;
  #pending = new Map<number, Pending>();

  constructor(
    readonly info: ActorInfo,
    readonly method: AggregationMethod,
    readonly withhold: Withhold,
  ) {}

  reset(): void {
    this.#pending = new Map();
  }

  onEvents(events: readonly ProtocolEvent[], io: ActorIO): void {
    for (const e of events) {
      if (e.case === "aggregationProposerSelected" && e.value.proposer === this.info.address) {
        const window = Number(e.value.window);
        io.wake(
          Math.max(0, Math.min(2, Number(e.value.commitDeadline) - io.chain.height - 2)) *
            io.blockTimeMs,
          () => this.#commit(window, io),
        );
      } else if (
        e.case === "aggregationCommitted" &&
        e.value.proposer === this.info.address &&
        this.withhold === "blob"
      )
        this.#reveal(Number(e.value.window), io);
    }
  }

  #commit(window: number, io: ActorIO): void {
    const state = io.chain.state;
    const a = state.windows.get(window)?.aggregation;
    if (!a || a.commitment) return;
    const subs = io.world.queries
      .live(state, window)
      .filter((s) => io.world.store.get(s.gradientCid)?.update !== undefined);
    if (subs.length === 0) return;
    const vector = aggregateUpdates(
      subs.map((s) => io.world.store.get(s.gradientCid)!.update!),
      this.method,
    );
    // The honest proposer would call io.world.store.putAggregate(cid, vector) here.
    const cid = io.world.store.aggregateCidOf(vector);
    const root = gradientRoot(subs.map((s) => s.gradientHash));
    const salt = hashParts("sim/agg-salt", io.prng.nextU64());
    this.#pending.set(window, { cid, root, ids: subs.map((s) => s.id), salt });
    io.world.work.add(this.info.address, "aggregate", "", 0);
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
        method: this.method,
        salt: p.salt,
      }),
    );
  }
}
