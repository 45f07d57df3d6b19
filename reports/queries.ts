/**
 * The report's data: each chart and table reads one SQL file of
 * reports/queries/ against the results database, so a researcher can run
 * the same query in the DuckDB shell (`SET VARIABLE` aside, `$run_id` is
 * the only parameter).
 */
import { readFileSync } from "node:fs";
import type { DuckDBConnection } from "@duckdb/node-api";

export const queryNames = [
  "runs",
  "class_summary",
  "cumulative_rewards",
  "detection",
  "slashes",
  "stake_gini",
  "stake_share",
  "tiers",
  "throughput",
  "sweep",
  "profit_classes",
  "profit_coalitions",
  "profit_lazy",
  "model",
  "model_sweep",
] as const;
export type QueryName = (typeof queryNames)[number];

const sql = new Map<QueryName, string>(
  queryNames.map((name) => [
    name,
    readFileSync(new URL(`./queries/${name}.sql`, import.meta.url), "utf8"),
  ]),
);

export const querySql = (name: QueryName): string => sql.get(name)!;

export type Row = Record<string, unknown>;

/** Runs a named query; `runId` binds `$run_id` for the per-run queries. */
export const runQuery = async (
  c: DuckDBConnection,
  name: QueryName,
  runId?: string,
): Promise<Row[]> => {
  const text = querySql(name);
  try {
    const reader = text.includes("$run_id")
      ? await c.runAndReadAll(text, { run_id: runId ?? "" })
      : await c.runAndReadAll(text);
    return reader.getRowObjectsJS() as Row[];
  } catch (e) {
    throw new Error(
      `query reports/queries/${name}.sql failed: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  }
};
