/**
 * Prometheus metrics of the node (`r3mes node start|app --metrics ADDR`):
 * read from what a block produced (its protocol events, its tx results) and
 * from the committed state at scrape time — never written into anything
 * consensus reads, so enabling them cannot fork a node. The hooks cost
 * O(events) per block and O(1) per CheckTx: tx results are tallied in a
 * plain map (flushed into prom-client at scrape time), and a block's codes
 * are tallied first, then added once per distinct code. Names and labels: docs/node.md, "Metrics";
 * the HTTP side is metrics-http.ts (loaded without prom-client).
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { DisputeOutcome, RewardKind } from "../gen/remes/v1/events_pb.ts";
import { Offence, Role } from "../gen/remes/v1/types_pb.ts";
import { ErrorCode } from "../protocol/errors.ts";
import type { ProtocolEvent } from "../protocol/events.ts";
import type { Committed } from "./committed.ts";
import { SdkCode } from "./tx.ts";

/** A tx result as CheckTx and FinalizeBlock return it (only what the metrics read). */
export interface TxOutcome {
  readonly code: number;
  readonly codespace: string;
}

const sdkNames = new Map<number, string>(Object.entries(SdkCode).map(([k, v]) => [v, k]));
const remesNames = new Map<number, string>(Object.entries(ErrorCode).map(([k, v]) => [v, k]));

/** The name of a result code: "ok", the Cosmos SDK's or the protocol's error name, or "unknown". */
export const codeName = (codespace: string, code: number): string =>
  code === 0
    ? "ok"
    : ((codespace === "sdk" ? sdkNames : codespace === "remes" ? remesNames : undefined)?.get(
        code,
      ) ?? "unknown");

/** The tally's method and codespace indexes (metrics.tallyTx); a codespace not listed counts as "other". */
const METHODS: readonly string[] = ["check_tx", "recheck_tx", "finalize_block"];
const CODESPACES: readonly string[] = ["", "sdk", "remes", "other"];

/** A protobuf enum value's name as a label ("DOUBLE_SIGN" → "double_sign"). */
const enumLabel = (e: Record<number, string>, v: number): string =>
  (e[v] ?? String(v)).toLowerCase();

/** Seconds buckets for CheckTx (tens of µs to tens of ms) and FinalizeBlock (ms to seconds). */
const CHECKTX_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1];
const FINALIZE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** What the scrape-time gauges read: the app (committed state and its mempool). */
export interface MetricsSource {
  readonly committed: Committed;
  /** Txs this node's mempool holds verified and not yet in a block. */
  readonly mempoolPending: () => number;
}

export class NodeMetrics {
  readonly registry = new Registry();
  private source: MetricsSource | undefined;

  private readonly blocks = new Counter({
    name: "r3mes_blocks_committed_total",
    help: "Blocks committed by this app since it started",
    registers: [this.registry],
  });
  private readonly txs = new Counter({
    name: "r3mes_txs_total",
    help: "Tx results by ABCI method (check_tx, recheck_tx, finalize_block) and result code (with its codespace and name)",
    labelNames: ["method", "codespace", "code", "name"] as const,
    registers: [this.registry],
    collect: () => this.flushTxs(),
  });
  private readonly checkTxSeconds = new Histogram({
    name: "r3mes_check_tx_seconds",
    help: "CheckTx latency in the app (new txs and rechecks)",
    labelNames: ["type"] as const,
    buckets: CHECKTX_BUCKETS,
    registers: [this.registry],
  });
  private readonly finalizeSeconds = new Histogram({
    name: "r3mes_finalize_block_seconds",
    help: "FinalizeBlock latency in the app",
    buckets: FINALIZE_BUCKETS,
    registers: [this.registry],
  });
  private readonly rechecks = new Counter({
    name: "r3mes_mempool_rechecks_total",
    help: "RECHECK CheckTx calls (mempool txs rechecked after a commit)",
    registers: [this.registry],
  });
  private readonly submissions = new Counter({
    name: "r3mes_submissions_total",
    help: "Gradient submissions by status: submitted, then tier-1 verified/optimistic/mismatched, or rejected",
    labelNames: ["status"] as const,
    registers: [this.registry],
  });
  private readonly disputesOpened = new Counter({
    name: "r3mes_disputes_opened_total",
    help: "Disputes opened, by the tier they open at",
    labelNames: ["tier"] as const,
    registers: [this.registry],
  });
  private readonly disputesEscalated = new Counter({
    name: "r3mes_disputes_escalated_total",
    help: "Disputes escalated to a tier-3 panel",
    registers: [this.registry],
  });
  private readonly disputesResolved = new Counter({
    name: "r3mes_disputes_resolved_total",
    help: "Disputes resolved, by tier and outcome",
    labelNames: ["tier", "outcome"] as const,
    registers: [this.registry],
  });
  private readonly slashes = new Counter({
    name: "r3mes_slashes_total",
    help: "Slashes, by role and offence",
    labelNames: ["role", "offence"] as const,
    registers: [this.registry],
  });
  private readonly slashedUremes = new Counter({
    name: "r3mes_slashed_uremes_total",
    help: "Stake slashed (uremes), by role and offence",
    labelNames: ["role", "offence"] as const,
    registers: [this.registry],
  });
  private readonly rewardsUremes = new Counter({
    name: "r3mes_rewards_minted_uremes_total",
    help: "Rewards minted (uremes), by kind",
    labelNames: ["kind"] as const,
    registers: [this.registry],
  });
  private readonly windowsOpened = new Counter({
    name: "r3mes_windows_opened_total",
    help: "Training windows opened",
    registers: [this.registry],
  });

  /**
   * Tx result counts by one number: code × 16 + method × 4 + codespace (an
   * exact float up to 2^36), flushed into `r3mes_txs_total` at scrape time,
   * so CheckTx adds to a plain Map entry (prom-client's labelled inc hashes
   * its labels at every call, ~0.4 µs).
   */
  private readonly txTally = new Map<number, number>();

  constructor(options: { readonly defaultMetrics?: boolean } = {}) {
    const gauge = (name: string, help: string, read: (s: MetricsSource) => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          if (source()) this.set(read(source()!));
        },
      });
    const source = () => this.source;
    gauge("r3mes_height", "Height of the last committed block", (s) => s.committed.height);
    gauge(
      "r3mes_mempool_pending_txs",
      "Txs the app holds verified for the mempool, not yet in a block",
      (s) => s.mempoolPending(),
    );
    gauge(
      "r3mes_open_windows",
      "Training windows open (not yet closed) in the committed state",
      (s) => {
        let n = 0;
        for (const w of s.committed.state?.windows.values() ?? []) if (!w.closed) n++;
        return n;
      },
    );
    gauge(
      "r3mes_open_disputes",
      "Disputes unresolved in the committed state",
      (s) => s.committed.state?.disputes.size ?? 0,
    );
    // Software upgrades (upgrades.ts): alert on a plan this version lacks, before its height halts the node.
    gauge(
      "r3mes_upgrade_plan_height",
      "Height of the scheduled software upgrade (0: none)",
      (s) => s.committed.state?.softwareUpgrade?.height ?? 0,
    );
    gauge(
      "r3mes_upgrade_plan_missing",
      "1 while a software upgrade is scheduled that this version has no handler for (install the version that has it before its height)",
      (s) => {
        const plan = s.committed.state?.softwareUpgrade;
        return plan !== undefined && s.committed.upgrades.handlerOf(plan.name) === undefined
          ? 1
          : 0;
      },
    );
    // process_resident_memory_bytes and the rest of prom-client's process metrics, prefixed.
    if (options.defaultMetrics !== false)
      collectDefaultMetrics({ register: this.registry, prefix: "r3mes_" });
  }

  /** The app whose committed state the gauges read. */
  attach(source: MetricsSource): void {
    this.source = source;
  }

  private tallyTx(method: number, codespace: string, code: number, n: number): void {
    const key = code * 16 + method * 4 + (code === 0 ? 0 : (CODESPACES.indexOf(codespace) + 4) % 4);
    this.txTally.set(key, (this.txTally.get(key) ?? 0) + n);
  }

  private flushTxs(): void {
    this.txs.reset();
    for (const [key, n] of this.txTally) {
      const code = Math.floor(key / 16);
      const codespace = CODESPACES[key % 4]!;
      this.txs.inc(
        {
          method: METHODS[Math.floor(key / 4) % 4]!,
          codespace,
          code: String(code),
          name: codeName(codespace, code),
        },
        n,
      );
    }
  }

  private readonly checkTxNew = this.checkTxSeconds.labels("new");
  private readonly checkTxRecheck = this.checkTxSeconds.labels("recheck");

  checkTx(r: TxOutcome, recheck: boolean, seconds: number): void {
    this.tallyTx(recheck ? 1 : 0, r.codespace, r.code, 1);
    (recheck ? this.checkTxRecheck : this.checkTxNew).observe(seconds);
    if (recheck) this.rechecks.inc();
  }

  /**
   * A finalized block: its latency now; its tx results and protocol events
   * (block and tx events, once each) are counted at its Commit, so a block
   * finalized again after a dropped pending one (a restarted CometBFT) counts once.
   */
  finalizeBlock(
    txResults: readonly TxOutcome[],
    events: readonly ProtocolEvent[],
    seconds: number,
  ): void {
    this.finalizeSeconds.observe(seconds);
    this.staged = { txResults, events };
  }

  private staged:
    | { readonly txResults: readonly TxOutcome[]; readonly events: readonly ProtocolEvent[] }
    | undefined;

  /** The block finalized last was committed. */
  committed(): void {
    this.blocks.inc();
    const b = this.staged;
    this.staged = undefined;
    if (b) this.count(b.txResults, b.events);
  }

  private count(txResults: readonly TxOutcome[], events: readonly ProtocolEvent[]): void {
    // Straight into the tally's numeric keys (the same counts, first seen first): no key string per tx.
    for (let i = 0; i < txResults.length; i++) {
      const r = txResults[i]!;
      this.tallyTx(2, r.codespace, r.code, 1);
    }
    for (const e of events) {
      switch (e.case) {
        case "gradientSubmitted":
          this.submissions.inc({ status: "submitted" });
          break;
        case "tier1Evaluated":
          if (e.value.verifiedIds.length)
            this.submissions.inc({ status: "verified" }, e.value.verifiedIds.length);
          if (e.value.optimisticIds.length)
            this.submissions.inc({ status: "optimistic" }, e.value.optimisticIds.length);
          if (e.value.mismatchedIds.length)
            this.submissions.inc({ status: "mismatched" }, e.value.mismatchedIds.length);
          break;
        case "submissionRejected":
          this.submissions.inc({ status: "rejected" });
          break;
        case "disputeOpened":
          this.disputesOpened.inc({ tier: String(e.value.tier) });
          break;
        case "disputeEscalated":
          this.disputesEscalated.inc();
          break;
        case "disputeResolved":
          this.disputesResolved.inc({
            tier: String(e.value.tier),
            outcome: enumLabel(DisputeOutcome, e.value.outcome),
          });
          break;
        case "slashed": {
          const labels = {
            role: enumLabel(Role, e.value.role),
            offence: enumLabel(Offence, e.value.offence),
          };
          this.slashes.inc(labels);
          this.slashedUremes.inc(labels, Number(e.value.amount));
          break;
        }
        case "rewardMinted":
          this.rewardsUremes.inc(
            { kind: enumLabel(RewardKind, e.value.kind) },
            Number(e.value.amount),
          );
          break;
        case "windowOpened":
          this.windowsOpened.inc();
          break;
        default:
      }
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text (what GET /metrics answers). */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
