/**
 * Validators and other checkers. An honest validator recomputes what it is
 * asked to judge through the training backend: the loss on the disputed
 * batch (tier 2), the gradient bit-exactly when on a tier-3 panel (its
 * verdict carries the hash it computed, which the chain compares), and
 * revealed aggregates (challenging one that leaves out verified work or does
 * not match its inputs). On the trap committee it commits the window's
 * blinded trap audits before the window opens and reveals them after it
 * closes (the chain then sends the trap shards to tier-3 recomputation). A lazy validator does the committee's chores but approves
 * every claim without checking. A false challenger bonds challenges against
 * random submissions.
 */
import { DisputeSubject, SubmissionStatus } from "../gen/remes/v1/events_pb.ts";
import { Role } from "../gen/remes/v1/types_pb.ts";
import { command } from "../protocol/commands.ts";
import type { EventOf, ProtocolEvent } from "../protocol/events.ts";
import { hashParts } from "../protocol/randomness.ts";
import { isActive } from "../protocol/staking.ts";
import { hex, roleKey, type State } from "../protocol/state.ts";
import { openDisputeOn } from "../protocol/verification/disputes.ts";
import { requiredBond } from "../protocol/verification/tier2.ts";
import type { ActorInfo } from "./kinds.ts";
import type { Actor, ActorIO } from "./actor.ts";
import { aggregateUpdates } from "./aggregate.ts";
import type { Task } from "./backend.ts";

export interface ValidatorOptions {
  /** Skips every check: supports each claim, finds all work valid, never challenges. */
  readonly lazy: boolean;
  /** Share of tier-2 disputes this validator recomputes and votes on (bps). */
  readonly tier2SampleBps: number;
  /**
   * How it recomputes a tier-2 loss: "canonical" (the backend's `lossOn`, the
   * default) or "onnx" (the backend's `fastLossOn`: for the kernels backend
   * the exported ONNX graph on onnxruntime, within ORT_LOSS_TOLERANCE).
   */
  readonly tier2Loss?: "canonical" | "onnx";
  /** Milliseconds a tier-3 recomputation takes before the verdict goes out (0: at once). */
  readonly recomputeMs?: number;
}

export class Validator implements Actor {
  readonly role = "validator";
  readonly subscriptions = [
    "windowOpened",
    "windowClosed",
    "disputeOpened",
    "aggregationRevealed",
  ] as const;

  constructor(
    readonly info: ActorInfo,
    readonly options: ValidatorOptions,
  ) {}

  reset(): void {}

  /**
   * A client checks its own standing first: slashed below the minimum stake
   * (or unbonded), its votes and verdicts would be refused, so it sends none.
   */
  #active(state: Readonly<State>): boolean {
    const r = state.roles.get(roleKey(Role.VALIDATOR, this.info.address));
    return r !== undefined && isActive(state, r);
  }

  onEvents(events: readonly ProtocolEvent[], io: ActorIO): void {
    if (!this.#active(io.chain.state)) return;
    for (const e of events) {
      switch (e.case) {
        case "windowOpened":
          this.#commitTraps(Number(e.value.window) + 1, io);
          break;
        case "windowClosed":
          this.#revealTraps(Number(e.value.window), io);
          break;
        case "disputeOpened":
          this.#onDispute(e.value, io);
          break;
        case "disputeEscalated":
          this.#verdict(Number(e.value.disputeId), io);
          break;
        // Addressed to the re-drawn panel (routing.ts); members who already judged keep their verdicts.
        case "panelRedrawn":
          if (
            !io.chain.state.disputes.get(Number(e.value.disputeId))?.verdicts.has(this.info.address)
          )
            this.#verdict(Number(e.value.disputeId), io);
          break;
        case "aggregationRevealed":
          this.#checkAggregate(e.value, io);
          break;
        default:
          break;
      }
    }
  }

  #commitTraps(window: number, io: ActorIO, backup = false): void {
    const state = io.chain.state;
    const rank = io.world.queries.committee(state).indexOf(this.info.address);
    if (rank < 0 || state.traps.get(window)?.accepted) return;
    // The first trap_threshold members approve at once; the others only if that did not suffice.
    if (!backup && rank >= state.params.trapThreshold) {
      io.wake(3 * io.blockTimeMs, () => {
        if (this.#active(io.chain.state)) this.#commitTraps(window, io, true);
      });
      return;
    }
    const plan = io.world.tasks.planFor(window, state);
    io.submit(
      command("commitTrapJobs", {
        validator: this.info.address,
        window,
        commitments: [...plan.commitments],
      }),
    );
  }

  #revealTraps(window: number, io: ActorIO, backup = false): void {
    const state = io.chain.state;
    const plan = io.world.tasks.plan(window);
    const accepted = state.traps.get(window)?.accepted;
    if (
      !plan ||
      !accepted ||
      hex(accepted.digest) !== plan.digestHex ||
      !accepted.committee.includes(this.info.address)
    )
      return;
    if (accepted.opened.size > 0) return;
    // The first committee member (by address) reveals; the others step in three blocks later if it did not.
    if (!backup && accepted.committee[0] !== this.info.address) {
      io.wake(3 * io.blockTimeMs, () => {
        if (this.#active(io.chain.state)) this.#revealTraps(window, io, true);
      });
      return;
    }
    const reveals = [...plan.traps].map(([shard, t]) => ({
      shard,
      vaultEntryId: BigInt(t.entryId),
      salt: t.salt,
    }));
    if (reveals.length > 0)
      io.submit(command("revealTrapJobs", { validator: this.info.address, window, reveals }));
  }

  #onDispute(d: EventOf<"disputeOpened">, io: ActorIO): void {
    if (d.tier === 3) {
      if (d.panel.includes(this.info.address)) this.#verdict(Number(d.disputeId), io);
      return;
    }
    if (
      d.subject !== DisputeSubject.GRADIENT ||
      !io.prng.chance(this.options.tier2SampleBps, 10_000)
    )
      return;
    const s = io.chain.state.submissions.get(Number(d.subjectId));
    if (!s || s.miner === this.info.address) return;
    const computed = this.options.lazy
      ? s.claimedLossMicro
      : this.#loss(io.world.tasks.taskForCheck(s.window, s.shard, s.gpuArch), d.batchIndex, io);
    io.submit(
      command("voteLossCheck", {
        validator: this.info.address,
        disputeId: d.disputeId,
        computedLossMicro: computed,
      }),
    );
  }

  #loss(task: Task, batchIndex: number, io: ActorIO): bigint {
    io.world.work.add(this.info.address, "tier2", "", 0);
    const b = io.world.backend;
    if (this.options.tier2Loss !== "onnx") return b.lossOn(task, batchIndex);
    if (!b.fastLossOn)
      throw new Error(
        `validator ${this.info.address}: tier2Loss "onnx" needs a backend with a fast loss engine (the kernels backend); ${b.name} has none`,
      );
    return b.fastLossOn(task, batchIndex);
  }

  #verdict(disputeId: number, io: ActorIO): void {
    const state = io.chain.state;
    const d = state.disputes.get(disputeId);
    if (!d || !d.panel.includes(this.info.address)) return;
    if (d.subject === DisputeSubject.GRADIENT) {
      const s = state.submissions.get(d.subjectId);
      if (!s) return;
      // The chain compares the hash we recomputed with the submission's; a lazy member echoes the submission's.
      let recomputedHash = s.gradientHash;
      if (!this.options.lazy) {
        io.world.work.add(this.info.address, "tier3", "", 0);
        recomputedHash = io.world.backend.train(
          io.world.tasks.taskForCheck(s.window, s.shard, s.gpuArch),
        ).gradientHash;
      }
      const valid = hex(recomputedHash) === hex(s.gradientHash);
      const send = () =>
        io.submit(
          command("submitArbitrationVerdict", {
            validator: this.info.address,
            disputeId,
            valid,
            recomputedHash,
          }),
        );
      const ms = this.options.lazy ? 0 : (this.options.recomputeMs ?? 0);
      if (ms > 0) io.wake(ms, send);
      else send();
      return;
    }
    let valid = true;
    if (!this.options.lazy) {
      io.world.work.add(this.info.address, "aggregate", "", 0);
      valid = io.world.aggregateChecks.get(d.subjectId) ?? true;
    }
    io.submit(
      command("submitArbitrationVerdict", { validator: this.info.address, disputeId, valid }),
    );
  }

  /**
   * An aggregate is right when it includes every submission tier 1 verified
   * whose bytes can be fetched (trap shards' answers aside),
   * every included update can be fetched, its CID is the declared method
   * applied to the included updates, and the aggregate itself can be fetched
   * from the content store under that CID (a live daemon fetches and
   * verifies it; the simulator models no withheld aggregate).
   * Every honest verifier computes the same answer, so it is computed once.
   */
  #checkAggregate(a: EventOf<"aggregationRevealed">, io: ActorIO): void {
    if (this.options.lazy) return;
    io.world.work.add(this.info.address, "aggregate", "", 0);
    const state = io.chain.state;
    const aggregationId = Number(a.aggregationId);
    const window = Number(a.window);
    let ok = io.world.aggregateChecks.get(aggregationId);
    if (ok === undefined) {
      // Only the first verifier computes (a window's ids, converted once rather than by every validator).
      const ids = a.submissionIds.map(Number);
      const included = new Set(ids);
      const traps = io.world.queries.trapShards(state, window);
      const verifiedLeftOut = io.world.queries
        .submissions(state, window)
        .some(
          (s) =>
            s.status === SubmissionStatus.VERIFIED &&
            !included.has(s.id) &&
            !traps.has(s.shard) &&
            io.world.store.get(s.gradientCid)?.update !== undefined,
        );
      const updates: Int32Array[] = [];
      for (const id of ids) {
        const u = io.world.store.get(state.submissions.get(id)?.gradientCid ?? "")?.update;
        if (u) updates.push(u);
      }
      const store = io.world.store;
      const expected =
        updates.length === a.submissionIds.length ? aggregateUpdates(updates, a.method) : undefined;
      ok =
        !verifiedLeftOut &&
        expected !== undefined &&
        store.aggregateCidOf(expected) === a.aggregatedCid &&
        store.hasAggregate(a.aggregatedCid, expected);
      io.world.aggregateChecks.set(aggregationId, ok);
      if (io.world.aggregateChecks.size > 1_000)
        io.world.aggregateChecks.delete(io.world.aggregateChecks.keys().next().value!);
    }
    if (ok) return;
    // Spread the challengers over a few blocks; whoever lands first bonds the dispute.
    io.wake(io.prng.below(3 * io.blockTimeMs), () => {
      const now = io.chain.state;
      if (!this.#active(now) || openDisputeOn(now, DisputeSubject.AGGREGATION, aggregationId))
        return;
      io.submit(
        command("challengeAggregation", {
          challenger: this.info.address,
          aggregationId: a.aggregationId,
          bond: requiredBond(now),
          reason: "aggregate leaves out verified work or does not match its inputs",
        }),
      );
    });
  }
}

/** Bonds tier-2 challenges against random submissions of each closed window. */
export class FalseChallenger implements Actor {
  readonly role = "client";
  readonly subscriptions = ["windowClosed"] as const;

  constructor(
    readonly info: ActorInfo,
    readonly challengesPerWindow: number,
  ) {}

  reset(): void {}

  onEvents(events: readonly ProtocolEvent[], io: ActorIO): void {
    for (const e of events) {
      if (e.case !== "windowClosed") continue;
      const state = io.chain.state;
      const subs = io.world.queries
        .live(state, Number(e.value.window))
        .filter((s) => s.miner !== this.info.address);
      for (let k = 0; k < this.challengesPerWindow && subs.length > 0; k++) {
        const s = subs.splice(io.prng.below(subs.length), 1)[0]!;
        io.submit(
          command("challengeGradient", {
            challenger: this.info.address,
            submissionId: s.id,
            bond: requiredBond(state),
          }),
        );
      }
    }
  }
}
