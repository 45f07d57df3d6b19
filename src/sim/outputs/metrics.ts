/**
 * The metrics sink: folds a run's committed events, block by block, into
 * integer metrics per training window (submissions and their tier-1 fate,
 * disputes by tier, traps, slashes, rewards, stake concentration,
 * throughput) and into tidy rows (one per submission, slash, reward,
 * dispute, block, stake snapshot and actor) handed to a listener as soon as
 * they are final, so a long run is never held in memory.
 *
 * Attribution: an event that names its window (a submission, a tier-1
 * result, a trap, a dispute, a reward) counts for that window; one that does
 * not (a slash, a block's throughput) counts for the window in progress at
 * its height — windows are consecutive, so that is the last one opened.
 *
 * Plain code on purpose: it runs once per block of a simulated day.
 */
import { DisputeOutcome, DisputeSubject, RewardKind } from "../../gen/remes/v1/events_pb.ts";
import { isVoidedRound } from "../../protocol/aggregation.ts";
import { Role } from "../../gen/remes/v1/types_pb.ts";
import type { ProtocolEvent, EventOf } from "../../protocol/events.ts";
import { isModuleAccount, type State } from "../../protocol/state.ts";
import type { ActorInfo, ActorKind, BlockRecord, RunEnd, RunSink, RunStart } from "../sink.ts";
import { giniBps } from "./gini.ts";
import {
  gpuArchName,
  offenceName,
  outcomeName,
  rewardKindName,
  roleName,
  subjectName,
} from "./names.ts";

/** An actor's behaviour class, or what an address outside the actor list is. */
export type ActorClass = ActorKind | "module" | "unlisted";

export interface WindowMetrics {
  readonly window: number;
  startHeight: number;
  /** 0 until the window closes / settles. */
  closeHeight: number;
  settleHeight: number;
  blocks: number;
  txs: number;
  rejectedTxs: number;
  events: number;
  submissions: number;
  verified: number;
  optimistic: number;
  mismatched: number;
  rejected: number;
  /** Disputes opened at tier 2 (loss spot check) and directly at tier 3. */
  disputesTier2: number;
  disputesTier3: number;
  /** Tier-2 disputes escalated to a tier-3 panel. */
  escalations: number;
  disputesUpheld: number;
  disputesRejected: number;
  disputesUndecided: number;
  trapsRevealed: number;
  trapCaught: number;
  trapPassed: number;
  availabilityChallenges: number;
  availabilityFailed: number;
  aggregationsFinalized: number;
  /** Rounds the proposer failed (slashed). */
  aggregationFaults: number;
  /** Rounds ended without an aggregate through no fault of the proposer (NOTHING_SETTLED, REJECTED_AFTER_COMMIT). */
  aggregationsVoided: number;
  slashes: number;
  slashedUremes: bigint;
  rewardsMinerUremes: bigint;
  rewardsProposerUremes: bigint;
  rewardsValidatorUremes: bigint;
  /** Gini of the miners' / validators' bonded stake at the window's first block. */
  minerStakeGiniBps: number;
  validatorStakeGiniBps: number;
  /** Breakdowns, keyed by offence / reward kind and actor class. */
  readonly slashesByOffence: Map<string, { count: number; uremes: bigint }>;
  readonly slashedByClass: Map<ActorClass, bigint>;
  readonly rewardsByClass: Map<ActorClass, bigint>;
}

export interface BlockRow {
  readonly height: number;
  readonly timeMs: number;
  readonly window: number;
  readonly txs: number;
  readonly rejectedTxs: number;
  readonly events: number;
  readonly appHash: string;
}

export interface SubmissionRow {
  readonly submissionId: number;
  readonly height: number;
  readonly window: number;
  readonly shard: number;
  readonly miner: string;
  readonly actorKind: ActorClass;
  readonly gpuArch: string;
  readonly kernelVersion: string;
  readonly claimedLossMicro: bigint;
  readonly sizeBytes: bigint;
  /** Tier-1 verdict (verified / optimistic / mismatched), "pending" if none. */
  tier1: string;
  /** Final status: pending, verified, optimistic, mismatched or rejected. */
  status: string;
  rejectedHeight: number;
  rejectReason: string;
  /** "caught", "passed" or "" when its shard was no trap. */
  trap: string;
  rewardUremes: bigint;
}

export interface SlashRow {
  readonly height: number;
  readonly window: number;
  readonly address: string;
  readonly actorKind: ActorClass;
  readonly role: string;
  readonly offence: string;
  readonly offenceKey: string;
  readonly amount: bigint;
  readonly burned: bigint;
  readonly toCommunity: bigint;
  readonly beneficiary: string;
  readonly toBeneficiary: bigint;
}

export interface RewardRow {
  readonly height: number;
  readonly window: number;
  readonly address: string;
  readonly actorKind: ActorClass;
  readonly rewardKind: string;
  readonly amount: bigint;
}

export interface DisputeRow {
  readonly disputeId: number;
  readonly window: number;
  readonly subject: string;
  readonly subjectId: number;
  readonly challenger: string;
  readonly bond: bigint;
  readonly openedHeight: number;
  readonly openedTier: number;
  escalatedHeight: number;
  resolvedHeight: number;
  finalTier: number;
  /** upheld, rejected, undecided, or "open" when the run ended first. */
  outcome: string;
}

/** Stake and balance held by one actor class at a height (window starts, last block). */
export interface StakeRow {
  readonly height: number;
  readonly window: number;
  readonly actorKind: ActorClass;
  readonly actors: number;
  readonly stakeUremes: bigint;
  readonly balanceUremes: bigint;
}

export interface ActorRow {
  readonly address: string;
  readonly kind: ActorKind;
  readonly group: string;
  readonly gpuArch: string;
  /** Height of the stake/balance snapshot (the last planned block, else the last window start). */
  snapshotHeight: number;
  stakeUremes: bigint;
  balanceUremes: bigint;
  rewardsUremes: bigint;
  slashes: number;
  slashedUremes: bigint;
  submissions: number;
  verified: number;
  optimistic: number;
  mismatched: number;
  rejected: number;
  trapsCaught: number;
  trapsPassed: number;
}

/** Receives rows as soon as they are final; every method optional. */
export interface MetricsListener {
  block?(row: BlockRow): void;
  submission?(row: SubmissionRow): void;
  slash?(row: SlashRow): void;
  reward?(row: RewardRow): void;
  dispute?(row: DisputeRow): void;
  stake?(row: StakeRow): void;
}

const emptyWindow = (window: number, startHeight: number): WindowMetrics => ({
  window,
  startHeight,
  closeHeight: 0,
  settleHeight: 0,
  blocks: 0,
  txs: 0,
  rejectedTxs: 0,
  events: 0,
  submissions: 0,
  verified: 0,
  optimistic: 0,
  mismatched: 0,
  rejected: 0,
  disputesTier2: 0,
  disputesTier3: 0,
  escalations: 0,
  disputesUpheld: 0,
  disputesRejected: 0,
  disputesUndecided: 0,
  trapsRevealed: 0,
  trapCaught: 0,
  trapPassed: 0,
  availabilityChallenges: 0,
  availabilityFailed: 0,
  aggregationsFinalized: 0,
  aggregationFaults: 0,
  aggregationsVoided: 0,
  slashes: 0,
  slashedUremes: 0n,
  rewardsMinerUremes: 0n,
  rewardsProposerUremes: 0n,
  rewardsValidatorUremes: 0n,
  minerStakeGiniBps: 0,
  validatorStakeGiniBps: 0,
  slashesByOffence: new Map(),
  slashedByClass: new Map(),
  rewardsByClass: new Map(),
});

const emptyActor = (a: ActorInfo): ActorRow => ({
  address: a.address,
  kind: a.kind,
  group: a.group,
  gpuArch: a.gpuArch,
  snapshotHeight: 0,
  stakeUremes: 0n,
  balanceUremes: 0n,
  rewardsUremes: 0n,
  slashes: 0,
  slashedUremes: 0n,
  submissions: 0,
  verified: 0,
  optimistic: 0,
  mismatched: 0,
  rejected: 0,
  trapsCaught: 0,
  trapsPassed: 0,
});

const addTo = <K>(m: Map<K, bigint>, k: K, v: bigint): void => {
  m.set(k, (m.get(k) ?? 0n) + v);
};

/** Window −1 holds what happens before the first window opens. */
const BEFORE_FIRST_WINDOW = -1;

export class MetricsSink implements RunSink {
  private readonly listener: MetricsListener;
  private run: RunStart | undefined;
  private readonly kinds = new Map<string, ActorKind>();
  private readonly actorRows = new Map<string, ActorRow>();
  private readonly windowRows = new Map<number, WindowMetrics>();
  private current = BEFORE_FIRST_WINDOW;
  /** Submissions of windows not yet settled, by id and by window → miner. */
  private readonly live = new Map<number, SubmissionRow>();
  private readonly liveByWindow = new Map<number, Map<string, SubmissionRow>>();
  private readonly disputes = new Map<number, DisputeRow>();
  /** Revealed trap shards (`window/shard`): a gradient dispute decided on one is the trap's verdict (protocol/traps.ts). */
  private readonly trapShards = new Set<string>();
  private blocksSeen = 0;
  private eventsSeen = 0;
  private height = 0;
  private finalGini = { miners: 0, validators: 0 };
  private ended: RunEnd | undefined;

  constructor(listener: MetricsListener = {}) {
    this.listener = listener;
  }

  start(run: RunStart): void {
    if (this.run)
      throw new Error(
        "MetricsSink.start: this sink already holds a run; use one MetricsSink per run",
      );
    this.run = run;
    for (const a of run.actors) {
      if (this.kinds.has(a.address))
        throw new Error(`MetricsSink.start: actor ${a.address} is listed twice`);
      this.kinds.set(a.address, a.kind);
      this.actorRows.set(a.address, emptyActor(a));
    }
  }

  classOf(address: string): ActorClass {
    return this.kinds.get(address) ?? (isModuleAccount(address) ? "module" : "unlisted");
  }

  block(b: BlockRecord): void {
    if (!this.run) throw new Error("MetricsSink.block called before start");
    this.height = b.height;
    let opened = false;
    for (const e of b.events) opened = this.fold(e, b.height) || opened;
    this.blocksSeen++;
    this.eventsSeen += b.events.length;
    const w = this.win(this.current);
    w.blocks++;
    w.txs += b.txs;
    w.rejectedTxs += b.rejectedTxs;
    w.events += b.events.length;
    this.listener.block?.({
      height: b.height,
      timeMs: b.timeMs,
      window: this.current,
      txs: b.txs,
      rejectedTxs: b.rejectedTxs,
      events: b.events.length,
      appHash: Buffer.from(b.appHash).toString("hex"),
    });
    const last = this.blocksSeen === this.run.plannedBlocks;
    if (opened || last) this.snapshot(b.state, b.height, opened);
  }

  end(run: RunEnd): void {
    if (!this.run) throw new Error("MetricsSink.end called before start");
    this.ended = run;
    for (const window of [...this.liveByWindow.keys()].sort((a, b) => a - b))
      this.flushWindow(window);
    for (const d of this.disputes.values()) this.listener.dispute?.(d);
    this.disputes.clear();
  }

  /** Per-window metrics in window order (complete after `end`). */
  windows(): WindowMetrics[] {
    return [...this.windowRows.values()].sort((a, b) => a.window - b.window);
  }

  /** One row per listed actor, in the order of the run's actor list. */
  actors(): ActorRow[] {
    return [...this.actorRows.values()];
  }

  totals() {
    return {
      blocks: this.blocksSeen,
      events: this.eventsSeen,
      height: this.height,
      minerStakeGiniBps: this.finalGini.miners,
      validatorStakeGiniBps: this.finalGini.validators,
      end: this.ended,
    };
  }

  private win(window: number): WindowMetrics {
    let w = this.windowRows.get(window);
    if (!w) {
      w = emptyWindow(window, 0);
      this.windowRows.set(window, w);
    }
    return w;
  }

  /** Folds one event; true when it opened a window. */
  private fold(e: ProtocolEvent, height: number): boolean {
    switch (e.case) {
      case "windowOpened": {
        this.win(Number(e.value.window)).startHeight = Number(e.value.startHeight);
        this.current = Number(e.value.window);
        return true;
      }
      case "windowClosed":
        this.win(Number(e.value.window)).closeHeight = height;
        break;
      case "windowSettled": {
        this.win(Number(e.value.window)).settleHeight = height;
        this.flushWindow(Number(e.value.window));
        break;
      }
      case "gradientSubmitted":
        this.submitted(e.value);
        break;
      case "tier1Evaluated":
        this.tier1(e.value);
        break;
      case "submissionRejected":
        this.rejected(e.value, height);
        break;
      case "disputeOpened":
        this.disputeOpened(e.value, height);
        break;
      case "disputeEscalated": {
        const d = this.disputes.get(Number(e.value.disputeId));
        this.win(d?.window ?? this.current).escalations++;
        if (d) {
          d.escalatedHeight = height;
          d.finalTier = 3;
        }
        break;
      }
      case "disputeResolved":
        this.disputeResolved(e.value, height);
        break;
      case "trapRevealed":
        this.trapRevealed(e.value);
        break;
      case "slashed":
        this.slashed(e.value, height);
        break;
      case "rewardMinted":
        this.rewarded(e.value, height);
        break;
      case "verifierPaid": {
        // paid out of a forfeited bond or slash, not minted: an actor's reward, not the window's issuance
        const a = this.actorRows.get(e.value.validator);
        if (a) a.rewardsUremes += e.value.amount;
        break;
      }
      case "availabilityChallenged":
        this.win(this.live.get(Number(e.value.submissionId))?.window ?? this.current)
          .availabilityChallenges++;
        break;
      case "availabilityResolved":
        if (!e.value.proven) this.win(this.current).availabilityFailed++;
        break;
      case "aggregationFinalized":
        this.win(Number(e.value.window)).aggregationsFinalized++;
        break;
      case "aggregationFaulted":
        if (isVoidedRound(e.value.fault)) this.win(Number(e.value.window)).aggregationsVoided++;
        else this.win(Number(e.value.window)).aggregationFaults++;
        break;
      default:
        break;
    }
    return false;
  }

  private submitted(e: EventOf<"gradientSubmitted">): void {
    this.win(Number(e.window)).submissions++;
    const row: SubmissionRow = {
      submissionId: Number(e.submissionId),
      height: Number(e.height),
      window: Number(e.window),
      shard: e.shard,
      miner: e.miner,
      actorKind: this.classOf(e.miner),
      gpuArch: gpuArchName(e.gpuArch),
      kernelVersion: e.kernelVersion,
      claimedLossMicro: e.claimedLossMicro,
      sizeBytes: e.sizeBytes,
      tier1: "pending",
      status: "pending",
      rejectedHeight: 0,
      rejectReason: "",
      trap: "",
      rewardUremes: 0n,
    };
    this.live.set(Number(e.submissionId), row);
    let byMiner = this.liveByWindow.get(Number(e.window));
    if (!byMiner) this.liveByWindow.set(Number(e.window), (byMiner = new Map()));
    byMiner.set(e.miner, row);
    const a = this.actorRows.get(e.miner);
    if (a) a.submissions++;
  }

  private tier1(e: EventOf<"tier1Evaluated">): void {
    const w = this.win(Number(e.window));
    w.verified += e.verifiedIds.length;
    w.optimistic += e.optimisticIds.length;
    w.mismatched += e.mismatchedIds.length;
    const mark = (ids: readonly number[], status: "verified" | "optimistic" | "mismatched") => {
      for (const id of ids) {
        const row = this.live.get(id);
        if (!row) continue;
        row.tier1 = status;
        if (row.status !== "rejected") row.status = status;
        const a = this.actorRows.get(row.miner);
        if (a) a[status]++;
      }
    };
    mark(e.verifiedIds.map(Number), "verified");
    mark(e.optimisticIds.map(Number), "optimistic");
    mark(e.mismatchedIds.map(Number), "mismatched");
  }

  private rejected(e: EventOf<"submissionRejected">, height: number): void {
    const row = this.live.get(Number(e.submissionId));
    this.win(row?.window ?? this.current).rejected++;
    if (!row || row.status === "rejected") return;
    row.status = "rejected";
    row.rejectedHeight = height;
    row.rejectReason = e.reason;
    const a = this.actorRows.get(row.miner);
    if (a) a.rejected++;
  }

  private disputeOpened(e: EventOf<"disputeOpened">, height: number): void {
    const w = this.win(Number(e.window));
    if (e.tier >= 3) w.disputesTier3++;
    else w.disputesTier2++;
    this.disputes.set(Number(e.disputeId), {
      disputeId: Number(e.disputeId),
      window: Number(e.window),
      subject: subjectName(e.subject),
      subjectId: Number(e.subjectId),
      challenger: e.challenger,
      bond: e.bond,
      openedHeight: height,
      openedTier: e.tier,
      escalatedHeight: 0,
      resolvedHeight: 0,
      finalTier: e.tier,
      outcome: "open",
    });
  }

  private disputeResolved(e: EventOf<"disputeResolved">, height: number): void {
    const d = this.disputes.get(Number(e.disputeId));
    const w = this.win(d?.window ?? this.current);
    if (e.outcome === DisputeOutcome.UPHELD) w.disputesUpheld++;
    else if (e.outcome === DisputeOutcome.REJECTED) w.disputesRejected++;
    else w.disputesUndecided++;
    if (!d) return;
    const audited =
      d.subject === subjectName(DisputeSubject.GRADIENT) ? this.live.get(d.subjectId) : undefined;
    if (audited && this.trapShards.has(`${audited.window}/${audited.shard}`))
      this.trapVerdict(audited.window, audited.miner, e.outcome);
    // Mirrors the protocol: a tier-1 mismatch that survives its dispute is accepted optimistically.
    if (
      d.subject === subjectName(DisputeSubject.GRADIENT) &&
      e.outcome !== DisputeOutcome.REJECTED
    ) {
      const row = this.live.get(d.subjectId);
      if (row?.status === "mismatched") row.status = "optimistic";
    }
    d.resolvedHeight = height;
    d.finalTier = e.tier;
    d.outcome = outcomeName(e.outcome);
    this.disputes.delete(Number(e.disputeId));
    this.listener.dispute?.(d);
  }

  /** A trap audit's recomputation decided: REJECTED caught the miner, UPHELD passed it (UNDECIDED neither). */
  private trapVerdict(window: number, miner: string, outcome: DisputeOutcome): void {
    const verdict =
      outcome === DisputeOutcome.REJECTED
        ? "caught"
        : outcome === DisputeOutcome.UPHELD
          ? "passed"
          : "";
    if (!verdict) return;
    const w = this.win(window);
    if (verdict === "caught") w.trapCaught++;
    else w.trapPassed++;
    const row = this.liveByWindow.get(window)?.get(miner);
    if (row) row.trap = verdict;
    const a = this.actorRows.get(miner);
    if (a) verdict === "caught" ? a.trapsCaught++ : a.trapsPassed++;
  }

  private trapRevealed(e: EventOf<"trapRevealed">): void {
    this.trapShards.add(`${e.window}/${e.shard}`);
    // Work on the shard already rejected (a tier-1 dispute decided before the reveal) is caught now.
    for (const row of this.liveByWindow.get(Number(e.window))?.values() ?? []) {
      if (row.shard === e.shard && row.status === "rejected" && !row.trap)
        this.trapVerdict(Number(e.window), row.miner, DisputeOutcome.REJECTED);
    }
    const w = this.win(Number(e.window));
    w.trapsRevealed++;
    w.trapCaught += e.caught.length;
    w.trapPassed += e.passed.length;
    const byMiner = this.liveByWindow.get(Number(e.window));
    for (const [list, verdict] of [
      [e.caught, "caught"],
      [e.passed, "passed"],
    ] as const) {
      for (const miner of list) {
        const row = byMiner?.get(miner);
        if (row) row.trap = verdict;
        const a = this.actorRows.get(miner);
        if (a) verdict === "caught" ? a.trapsCaught++ : a.trapsPassed++;
      }
    }
  }

  private slashed(e: EventOf<"slashed">, height: number): void {
    const w = this.win(this.current);
    const cls = this.classOf(e.address);
    const offence = offenceName(e.offence);
    w.slashes++;
    w.slashedUremes += e.amount;
    const o = w.slashesByOffence.get(offence) ?? { count: 0, uremes: 0n };
    o.count++;
    o.uremes += e.amount;
    w.slashesByOffence.set(offence, o);
    addTo(w.slashedByClass, cls, e.amount);
    const a = this.actorRows.get(e.address);
    if (a) {
      a.slashes++;
      a.slashedUremes += e.amount;
    }
    this.listener.slash?.({
      height,
      window: this.current,
      address: e.address,
      actorKind: cls,
      role: roleName(e.role),
      offence,
      offenceKey: e.offenceKey,
      amount: e.amount,
      burned: e.burned,
      toCommunity: e.toCommunity,
      beneficiary: e.beneficiary,
      toBeneficiary: e.toBeneficiary,
    });
  }

  private rewarded(e: EventOf<"rewardMinted">, height: number): void {
    const w = this.win(Number(e.window));
    const cls = this.classOf(e.to);
    if (e.kind === RewardKind.MINER) {
      w.rewardsMinerUremes += e.amount;
      const row = this.liveByWindow.get(Number(e.window))?.get(e.to);
      if (row) row.rewardUremes += e.amount;
    } else if (e.kind === RewardKind.PROPOSER) w.rewardsProposerUremes += e.amount;
    else w.rewardsValidatorUremes += e.amount;
    addTo(w.rewardsByClass, cls, e.amount);
    const a = this.actorRows.get(e.to);
    if (a) a.rewardsUremes += e.amount;
    this.listener.reward?.({
      height,
      window: Number(e.window),
      address: e.to,
      actorKind: cls,
      rewardKind: rewardKindName(e.kind),
      amount: e.amount,
    });
  }

  private flushWindow(window: number): void {
    const byMiner = this.liveByWindow.get(window);
    if (!byMiner) return;
    const rows = [...byMiner.values()].sort((a, b) => a.submissionId - b.submissionId);
    for (const row of rows) {
      this.live.delete(row.submissionId);
      this.listener.submission?.(row);
    }
    this.liveByWindow.delete(window);
  }

  /** Stake and balances by actor class, Gini of miners' and validators' stake. */
  private snapshot(state: Readonly<State>, height: number, windowStart: boolean): void {
    const stakeOf = new Map<string, bigint>();
    const minerStakes: bigint[] = [];
    const validatorStakes: bigint[] = [];
    for (const r of state.roles.values()) {
      addTo(stakeOf, r.address, r.stake);
      if (r.role === Role.MINER) minerStakes.push(r.stake);
      else if (r.role === Role.VALIDATOR) validatorStakes.push(r.stake);
    }
    const gini = { miners: giniBps(minerStakes), validators: giniBps(validatorStakes) };
    this.finalGini = gini;
    if (windowStart) {
      const w = this.win(this.current);
      w.minerStakeGiniBps = gini.miners;
      w.validatorStakeGiniBps = gini.validators;
    }
    const byClass = new Map<ActorClass, { actors: number; stake: bigint; balance: bigint }>();
    for (const a of this.actorRows.values()) {
      a.snapshotHeight = height;
      a.stakeUremes = stakeOf.get(a.address) ?? 0n;
      a.balanceUremes = state.balances.get(a.address) ?? 0n;
      const c = byClass.get(a.kind) ?? { actors: 0, stake: 0n, balance: 0n };
      c.actors++;
      c.stake += a.stakeUremes;
      c.balance += a.balanceUremes;
      byClass.set(a.kind, c);
    }
    for (const kind of [...byClass.keys()].sort()) {
      const c = byClass.get(kind)!;
      this.listener.stake?.({
        height,
        window: this.current,
        actorKind: kind,
        actors: c.actors,
        stakeUremes: c.stake,
        balanceUremes: c.balance,
      });
    }
  }
}
