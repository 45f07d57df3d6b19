/**
 * Panel abstainer: a validator that works honestly except where a dispute
 * accuses a member of its coalition (its scenario group, e.g. a lazy miner
 * that pays it): there it casts no tier-2 loss vote and, on a tier-3 panel,
 * no verdict. Before issue 13 a missing verdict cost nothing, and a panel
 * with no majority by its deadline left the dispute UNDECIDED, which accepted
 * the accused's submission (MISMATCHED → OPTIMISTIC) and paid it: two
 * abstainers of three were enough. Now each silent member is slashed
 * slash_no_verdict_bps and replaced (panel-rounds.ts), and undecided pays
 * nothing.
 *
 * With `bribeUremes` > 0 it is also for hire (briber.ts): on a panel, it
 * waits two blocks before judging, and gives no verdict if the accused has
 * paid it at least that much by then.
 *
 * With `grindCandidates` > 0 it also grinds: when it proposes the block
 * before a coalition dispute's tier-2 deadline (the block whose beacon draws
 * the tier-3 panel is the next one), it has the engine try that many block
 * timestamps a millisecond apart and keeps the one whose next beacon gives
 * the most such panels a coalition majority — which, since the beacon is the
 * next proposer's unique signature (beacon.ts), is every one of them alike.
 * And when it is about to propose the panel's block itself, it withholds the
 * block if the next round's proposer's beacon would draw more such panels.
 */
import type { BlockContext } from "../../protocol/context.ts";
import type { EventCase, ProtocolEvent } from "../../protocol/events.ts";
import type { State } from "../../protocol/state.ts";
import { authorOf } from "../../protocol/verification/disputes.ts";
import { evaluateTier1 } from "../../protocol/verification/tier1.ts";
import { selectPanel } from "../../protocol/verification/tier3.ts";
import type { ActorInfo } from "../kinds.ts";
import type { Actor, ActorIO } from "../actor.ts";
import { Validator, type ValidatorOptions } from "../validators.ts";

export class AbstainingValidator implements Actor {
  readonly role = "validator";
  readonly #honest: Validator;
  readonly subscriptions: readonly EventCase[];

  /** Uremes received from each address (bribes), while for hire. */
  #paid = new Map<string, bigint>();

  constructor(
    readonly info: ActorInfo,
    readonly coalition: ReadonlySet<string>,
    options: ValidatorOptions,
    readonly grindCandidates = 0,
    readonly bribeUremes = 0n,
  ) {
    this.#honest = new Validator(info, options);
    this.subscriptions =
      bribeUremes > 0n
        ? [...this.#honest.subscriptions, "transferred"]
        : this.#honest.subscriptions;
  }

  reset(): void {
    this.#honest.reset();
    this.#paid = new Map();
  }

  onEvents(events: readonly ProtocolEvent[], io: ActorIO): void {
    const state = io.chain.state;
    const rest: ProtocolEvent[] = [];
    for (const e of events) {
      if (e.case === "transferred") {
        if (e.value.to === this.info.address)
          this.#paid.set(e.value.from, (this.#paid.get(e.value.from) ?? 0n) + e.value.amount);
        continue;
      }
      if (this.#shields(e, state)) continue;
      const drawn =
        e.case === "disputeEscalated" ||
        e.case === "panelRedrawn" ||
        (e.case === "disputeOpened" && e.value.tier === 3);
      if (this.bribeUremes > 0n && drawn && e.value.panel.includes(this.info.address)) {
        // For hire: give the accused two blocks to pay, then judge only if it did not.
        io.wake(2 * io.blockTimeMs, () => {
          const now = io.chain.state;
          const d = now.disputes.get(Number(e.value.disputeId));
          const accused = d && authorOf(now, d)?.address;
          const paid = accused === undefined ? 0n : (this.#paid.get(accused) ?? 0n);
          if (paid >= this.bribeUremes) {
            this.#paid.set(accused!, paid - this.bribeUremes);
            return;
          }
          this.#honest.onEvents([e], io);
        });
        continue;
      }
      rest.push(e);
    }
    if (rest.length > 0) this.#honest.onEvents(rest, io);
  }

  grind(state: Readonly<State>, nextHeight: number): ((beacon: Uint8Array) => number) | undefined {
    if (this.grindCandidates === 0) return undefined;
    // Coalition disputes that escalate (if tier 2 does not uphold them) at the end of the next block.
    const targets: { id: number; exclude: string[] }[] = [];
    for (const d of state.disputes.values()) {
      const author =
        d.tier === 2 && d.deadline === nextHeight ? authorOf(state, d)?.address : undefined;
      if (author !== undefined && this.coalition.has(author))
        targets.push({ id: d.id, exclude: [author, d.challenger] });
    }
    // Coalition work tier 1 will flag when a window closes at the end of the next block: its dispute opens
    // at tier 3 then, numbered in order (a guess: disputes opened by that block's txs would shift the ids).
    let nextId = state.counters.nextDisputeId;
    for (const w of state.windows.values()) {
      if (w.closed || w.closeHeight !== nextHeight) continue;
      for (const t of evaluateTier1(state, w.window)) {
        if (t.case !== "tier1Evaluated") continue;
        for (const id of t.value.mismatchedIds) {
          const miner = state.submissions.get(Number(id))?.miner;
          const disputeId = nextId++;
          if (miner !== undefined && this.coalition.has(miner))
            targets.push({ id: disputeId, exclude: [miner] });
        }
      }
    }
    if (targets.length === 0) return undefined;
    return (beacon) => {
      const ctx: BlockContext = {
        height: nextHeight,
        timeMs: 0n,
        blockHash: new Uint8Array(32),
        beacon,
        beaconOutput: new Uint8Array(0),
        proposer: "",
        lastCommit: [],
        misbehavior: [],
      };
      let captured = 0;
      for (const t of targets) {
        const panel = selectPanel(state, ctx, t.id, t.exclude);
        if (panel.filter((v) => this.coalition.has(v)).length * 2 > panel.length) captured++;
      }
      return captured;
    };
  }

  /** Whether the event asks it to judge work of its coalition (it then stays silent). */
  #shields(e: ProtocolEvent, state: Readonly<State>): boolean {
    const d =
      e.case === "disputeOpened"
        ? { subject: e.value.subject, subjectId: Number(e.value.subjectId) }
        : e.case === "disputeEscalated" || e.case === "panelRedrawn"
          ? state.disputes.get(Number(e.value.disputeId))
          : undefined;
    if (!d) return false;
    const author = authorOf(state, d);
    return (
      author !== undefined &&
      author.address !== this.info.address &&
      this.coalition.has(author.address)
    );
  }
}
