/**
 * The DuckDB sink: streams a run into `results.duckdb` through DuckDB
 * appenders (the fast bulk path), one tidy table per concern (tables.ts).
 *
 * A new run_id streams straight into the main tables (the runs row last, at
 * the end). A run_id the database already holds — a re-run of a seed, or a
 * run that crashed half-way — goes to `staging_*` tables instead and, when
 * the run ends, replaces the old rows in one transaction, so old and new
 * rows never mix. `start` and `block` are synchronous (appenders are), `end`
 * is async.
 *
 * Opening and closing the database is an Effect resource, so the
 * connection closes when its scope does, on success and on error alike.
 */
import { type DuckDBAppender, type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { Effect, Schema, type Scope } from "effect";
import type { BlockRecord, RunEnd, RunSink, RunStart } from "../sink.ts";
import { modelRows } from "./model-rows.ts";
import { eventPayloadJson, toJson } from "./event-json.ts";
import { type ActorRow, MetricsSink, type WindowMetrics } from "./metrics.ts";
import { runIdOf, type SweepPoint } from "./names.ts";
import { profitCells } from "../profit.ts";
import {
  type Cell,
  type ColumnType,
  createTableSql,
  quoteIdent,
  type TableDef,
  type TableName,
  tables,
} from "./tables.ts";

export class OutputError extends Schema.TaggedError<OutputError>()("OutputError", {
  message: Schema.String,
  cause: Schema.optional(Schema.Defect()),
}) {}

const reason = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause));

export interface ResultsDb {
  readonly path: string;
  readonly connection: DuckDBConnection;
}

/** Opens (or creates) a results database for the scope's lifetime. */
export const openResultsDb = (
  path: string,
  options: { readonly readOnly?: boolean } = {},
): Effect.Effect<ResultsDb, OutputError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        const instance = await DuckDBInstance.create(
          path,
          options.readOnly ? { access_mode: "READ_ONLY" } : {},
        );
        try {
          return { path, instance, connection: await instance.connect() };
        } catch (e) {
          instance.closeSync();
          throw e;
        }
      },
      catch: (cause) =>
        new OutputError({
          message: `cannot open the results database ${path}: ${reason(cause)}`,
          cause,
        }),
    }),
    (db) =>
      Effect.sync(() => {
        db.connection.closeSync();
        db.instance.closeSync();
      }),
  );

/** Runs a promise-returning step, turning a failure into an OutputError that says what failed. */
export const attempt = <A>(what: string, f: () => Promise<A>): Effect.Effect<A, OutputError> =>
  Effect.tryPromise({
    try: f,
    catch: (cause) => new OutputError({ message: `${what}: ${reason(cause)}`, cause }),
  });

/** Appends rows of one table, checking each cell against its column type. */
class TableWriter {
  constructor(
    readonly def: TableDef,
    private readonly appender: DuckDBAppender,
  ) {}

  row(cells: readonly Cell[]): void {
    const cols = this.def.columns;
    if (cells.length !== cols.length)
      throw new Error(`${this.def.name}: ${cells.length} cells for ${cols.length} columns`);
    for (let i = 0; i < cols.length; i++)
      appendCell(this.appender, cols[i]![1], cells[i]!, this.def.name, cols[i]![0]);
    this.appender.endRow();
  }

  flush(): void {
    this.appender.flushSync();
  }

  close(): void {
    this.appender.closeSync();
  }
}

const appendCell = (
  a: DuckDBAppender,
  type: ColumnType,
  v: Cell,
  table: string,
  column: string,
): void => {
  if (v === null) return a.appendNull();
  switch (type) {
    case "VARCHAR":
    case "JSON":
      if (typeof v !== "string") break;
      return a.appendVarchar(v);
    case "INTEGER":
      if (typeof v !== "number") break;
      return a.appendInteger(v);
    case "BIGINT":
      if (typeof v !== "number" && typeof v !== "bigint") break;
      return a.appendBigInt(BigInt(v));
    case "UBIGINT":
      if (typeof v !== "bigint") break;
      return a.appendUBigInt(v);
    case "BOOLEAN":
      if (typeof v !== "boolean") break;
      return a.appendBoolean(v);
    case "DOUBLE":
      if (typeof v !== "number") break;
      return a.appendDouble(v);
  }
  throw new Error(`${table}.${column}: a ${typeof v} cannot go into a ${type} column`);
};

/** The run's sweep point: RunStart.sweepPoint, else a `sweepPoint` object in its config (as runScenario records overrides). */
export const sweepPointOf = (start: RunStart): SweepPoint => {
  if (start.sweepPoint) return start.sweepPoint;
  const c = start.config.sweepPoint;
  if (c === null || typeof c !== "object" || Array.isArray(c)) return {};
  return Object.fromEntries(
    Object.entries(c).filter((e): e is [string, string | number | boolean] =>
      ["string", "number", "boolean"].includes(typeof e[1]),
    ),
  );
};

const staging = (name: TableName): string => `staging_${name}`;
/** 0 stands for "not reached" in the fold; NULL in the tables. */
const h = (height: number): number | null => (height > 0 ? height : null);

export interface DuckDbSinkOptions {
  /** Write every event to the events table (default true; off for very long runs). */
  readonly eventLog?: boolean;
}

export class DuckDbSink implements RunSink {
  private run:
    | {
        readonly id: string;
        readonly start: RunStart;
        readonly metrics: MetricsSink;
        readonly staged: boolean;
      }
    | undefined;
  private supply = { genesis: 0n, minted: 0n, burned: 0n };
  private readonly finished: string[] = [];

  private constructor(
    private readonly db: ResultsDb,
    /** Appenders of the main tables and of the staging tables. */
    private readonly direct: ReadonlyMap<TableName, TableWriter>,
    private readonly staged: ReadonlyMap<TableName, TableWriter>,
    /** run_ids with rows in any table (at open, plus the runs recorded since). */
    private readonly known: Set<string>,
    private readonly eventLog: boolean,
  ) {}

  /** Creates the tables (if new) and fresh staging tables with their appenders. */
  static async open(db: ResultsDb, options: DuckDbSinkOptions = {}): Promise<DuckDbSink> {
    const c = db.connection;
    const direct = new Map<TableName, TableWriter>();
    const staged = new Map<TableName, TableWriter>();
    for (const t of tables) {
      await c.run(createTableSql(t));
      await c.run(`DROP TABLE IF EXISTS ${quoteIdent(staging(t.name))}`);
      await c.run(createTableSql(t, staging(t.name)));
      direct.set(t.name, new TableWriter(t, await c.createAppender(t.name)));
      staged.set(t.name, new TableWriter(t, await c.createAppender(staging(t.name))));
    }
    const union = tables
      .map((t) => `SELECT DISTINCT run_id FROM ${quoteIdent(t.name)}`)
      .join(" UNION ");
    const known = new Set((await c.runAndReadAll(union)).getRows().map((r) => String(r[0])));
    return new DuckDbSink(db, direct, staged, known, options.eventLog ?? true);
  }

  /** Run ids written so far, in order. */
  get runIds(): readonly string[] {
    return this.finished;
  }

  private w(name: TableName): TableWriter {
    return (this.run?.staged ? this.staged : this.direct).get(name)!;
  }

  private get writers(): TableWriter[] {
    return [...this.direct.values(), ...this.staged.values()];
  }

  start(start: RunStart): void {
    if (this.run)
      throw new Error(
        `run ${this.run.id} has not ended; a results database records one run at a time`,
      );
    const point = sweepPointOf(start);
    const id = runIdOf(start.scenario, start.seed, point);
    const rid = id;
    const metrics = new MetricsSink({
      block: (r) =>
        this.w("blocks").row([
          rid,
          r.height,
          r.timeMs,
          r.window,
          r.txs,
          r.rejectedTxs,
          r.events,
          r.appHash,
        ]),
      submission: (r) =>
        this.w("submissions").row([
          rid,
          r.submissionId,
          r.height,
          r.window,
          r.shard,
          r.miner,
          r.actorKind,
          r.gpuArch,
          r.kernelVersion,
          r.claimedLossMicro,
          r.sizeBytes,
          r.tier1,
          r.status,
          h(r.rejectedHeight),
          r.rejectReason,
          r.trap,
          r.rewardUremes,
        ]),
      slash: (r) =>
        this.w("slashes").row([
          rid,
          r.height,
          r.window,
          r.address,
          r.actorKind,
          r.role,
          r.offence,
          r.offenceKey,
          r.amount,
          r.burned,
          r.toCommunity,
          r.beneficiary,
          r.toBeneficiary,
        ]),
      reward: (r) =>
        this.w("rewards").row([
          rid,
          r.height,
          r.window,
          r.address,
          r.actorKind,
          r.rewardKind,
          r.amount,
        ]),
      dispute: (r) =>
        this.w("disputes").row([
          rid,
          r.disputeId,
          r.window,
          r.subject,
          r.subjectId,
          r.challenger,
          r.bond,
          r.openedHeight,
          r.openedTier,
          h(r.escalatedHeight),
          h(r.resolvedHeight),
          r.finalTier,
          r.outcome,
        ]),
      stake: (r) =>
        this.w("stake").row([
          rid,
          r.height,
          r.window,
          r.actorKind,
          r.actors,
          r.stakeUremes,
          r.balanceUremes,
        ]),
    });
    metrics.start(start);
    this.run = { id, start, metrics, staged: this.known.has(id) };
    this.known.add(id);
  }

  block(b: BlockRecord): void {
    if (!this.run) throw new Error("DuckDbSink.block called before start");
    this.run.metrics.block(b);
    const s = b.state.supply;
    this.supply = { genesis: s.genesis, minted: s.minted, burned: s.burned };
    if (!this.eventLog) return;
    const events = this.w("events");
    for (let i = 0; i < b.events.length; i++) {
      const e = b.events[i]!;
      events.row([this.run.id, b.height, i, e.case, eventPayloadJson(e)]);
    }
  }

  async end(end: RunEnd): Promise<void> {
    const run = this.run;
    if (!run) throw new Error("DuckDbSink.end called before start");
    try {
      run.metrics.end(end);
      await this.finishRun(run, end);
    } finally {
      this.run = undefined;
    }
  }

  private async finishRun(run: NonNullable<DuckDbSink["run"]>, end: RunEnd): Promise<void> {
    for (const w of run.metrics.windows()) this.w("windows").row(windowCells(run.id, w));
    for (const a of run.metrics.actors()) this.w("actors").row(actorCells(run.id, a));
    for (const p of end.profit ?? []) this.w("profit").row(profitCells(run.id, p));
    for (const cells of modelRows(run.id, end)) this.w("model").row(cells);
    const t = run.metrics.totals();
    const st = run.start;
    this.w("runs").row([
      run.id,
      st.scenario,
      st.seed,
      toJson(sweepPointOf(st)),
      toJson(st.config),
      toJson(st.params),
      st.plannedBlocks,
      st.actors.length,
      end.violation ? "violation" : "ok",
      end.blocks,
      end.events,
      end.eventLogSha256,
      end.appHash,
      end.violation?.height ?? null,
      end.violation ? end.violation.messages.join("\n") : null,
      this.supply.genesis,
      this.supply.minted,
      this.supply.burned,
      t.minerStakeGiniBps,
      t.validatorStakeGiniBps,
    ]);
    if (run.staged) await this.commit(run.id);
    else for (const w of this.direct.values()) w.flush();
    this.finished.push(run.id);
  }

  /** Moves the staged run into the main tables, replacing an earlier run with the same id. */
  private async commit(runId: string): Promise<void> {
    for (const w of this.writers) w.flush();
    const c = this.db.connection;
    await c.run("BEGIN TRANSACTION");
    try {
      for (const t of tables) {
        await c.run(`DELETE FROM ${quoteIdent(t.name)} WHERE run_id = $1`, [runId]);
        await c.run(
          `INSERT INTO ${quoteIdent(t.name)} SELECT * FROM ${quoteIdent(staging(t.name))}`,
        );
        await c.run(`DELETE FROM ${quoteIdent(staging(t.name))}`);
      }
      await c.run("COMMIT");
    } catch (e) {
      await c.run("ROLLBACK").catch(() => undefined);
      throw new Error(`saving run ${runId} to ${this.db.path} failed: ${reason(e)}`, { cause: e });
    }
  }

  /** Closes the appenders and drops the staging tables (the database stays open). */
  async close(): Promise<void> {
    for (const w of this.writers) w.close();
    for (const t of tables)
      await this.db.connection.run(`DROP TABLE IF EXISTS ${quoteIdent(staging(t.name))}`);
  }
}

const windowCells = (runId: string, w: WindowMetrics): Cell[] => [
  runId,
  w.window,
  h(w.startHeight),
  h(w.closeHeight),
  h(w.settleHeight),
  w.blocks,
  w.txs,
  w.rejectedTxs,
  w.events,
  w.submissions,
  w.verified,
  w.optimistic,
  w.mismatched,
  w.rejected,
  w.disputesTier2,
  w.disputesTier3,
  w.escalations,
  w.disputesUpheld,
  w.disputesRejected,
  w.disputesUndecided,
  w.trapsRevealed,
  w.trapCaught,
  w.trapPassed,
  w.availabilityChallenges,
  w.availabilityFailed,
  w.aggregationsFinalized,
  w.aggregationFaults,
  w.aggregationsVoided,
  w.slashes,
  w.slashedUremes,
  w.rewardsMinerUremes,
  w.rewardsProposerUremes,
  w.rewardsValidatorUremes,
  w.minerStakeGiniBps,
  w.validatorStakeGiniBps,
];

const actorCells = (runId: string, a: ActorRow): Cell[] => [
  runId,
  a.address,
  a.kind,
  a.group,
  a.gpuArch,
  h(a.snapshotHeight),
  a.stakeUremes,
  a.balanceUremes,
  a.rewardsUremes,
  a.slashes,
  a.slashedUremes,
  a.submissions,
  a.verified,
  a.optimistic,
  a.mismatched,
  a.rejected,
  a.trapsCaught,
  a.trapsPassed,
];
