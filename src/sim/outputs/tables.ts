/**
 * The results schema: one tidy table per concern, every row keyed by
 * `run_id` (scenario/seed/sweep point), so runs of a sweep append to the
 * same tables and a researcher compares them with plain SQL. Amounts are
 * integers in uremes (UBIGINT); heights not reached yet are NULL.
 */
export type ColumnType =
  "VARCHAR" | "JSON" | "INTEGER" | "BIGINT" | "UBIGINT" | "BOOLEAN" | "DOUBLE";
export type Cell = string | number | bigint | boolean | null;

export interface TableDef {
  readonly name: TableName;
  readonly doc: string;
  readonly columns: readonly (readonly [name: string, type: ColumnType])[];
}

const u = "UBIGINT";
const i = "INTEGER";
const v = "VARCHAR";

export const tables = [
  {
    name: "runs",
    doc: "one row per run: identity, scenario config, params, outcome, final supply and stake concentration",
    columns: [
      ["run_id", v],
      ["scenario", v],
      ["seed", "BIGINT"],
      ["sweep_point", "JSON"],
      ["config", "JSON"],
      ["params", "JSON"],
      ["planned_blocks", i],
      ["actors", i],
      ["status", v],
      ["blocks", i],
      ["events", "BIGINT"],
      ["event_log_sha256", v],
      ["app_hash", v],
      ["violation_height", i],
      ["violation", v],
      ["supply_genesis_uremes", u],
      ["supply_minted_uremes", u],
      ["supply_burned_uremes", u],
      ["miner_stake_gini_bps", i],
      ["validator_stake_gini_bps", i],
    ],
  },
  {
    name: "windows",
    doc: "per training window: throughput, submissions by tier-1 verdict, disputes by tier, traps, slashes, rewards, stake Gini at the window's start",
    columns: [
      ["run_id", v],
      ["window", i],
      ["start_height", i],
      ["close_height", i],
      ["settle_height", i],
      ["blocks", i],
      ["txs", i],
      ["rejected_txs", i],
      ["events", i],
      ["submissions", i],
      ["verified", i],
      ["optimistic", i],
      ["mismatched", i],
      ["rejected", i],
      ["disputes_tier2", i],
      ["disputes_tier3", i],
      ["escalations", i],
      ["disputes_upheld", i],
      ["disputes_rejected", i],
      ["disputes_undecided", i],
      ["traps_revealed", i],
      ["trap_caught", i],
      ["trap_passed", i],
      ["availability_challenges", i],
      ["availability_failed", i],
      ["aggregations_finalized", i],
      ["aggregation_faults", i],
      ["aggregations_voided", i],
      ["slashes", i],
      ["slashed_uremes", u],
      ["rewards_miner_uremes", u],
      ["rewards_proposer_uremes", u],
      ["rewards_validator_uremes", u],
      ["miner_stake_gini_bps", i],
      ["validator_stake_gini_bps", i],
    ],
  },
  {
    name: "actors",
    doc: "per actor: behaviour class, group, final stake and balance, rewards, slashes, submissions and their fate",
    columns: [
      ["run_id", v],
      ["address", v],
      ["kind", v],
      ["actor_group", v],
      ["gpu_arch", v],
      ["snapshot_height", i],
      ["stake_uremes", u],
      ["balance_uremes", u],
      ["rewards_uremes", u],
      ["slashes", i],
      ["slashed_uremes", u],
      ["submissions", i],
      ["verified", i],
      ["optimistic", i],
      ["mismatched", i],
      ["rejected", i],
      ["traps_caught", i],
      ["traps_passed", i],
    ],
  },
  {
    name: "submissions",
    doc: "per gradient submission: who, where, tier-1 verdict, final status, trap outcome, reward",
    columns: [
      ["run_id", v],
      ["submission_id", i],
      ["height", i],
      ["window", i],
      ["shard", i],
      ["miner", v],
      ["actor_kind", v],
      ["gpu_arch", v],
      ["kernel_version", v],
      ["claimed_loss_micro", u],
      ["size_bytes", u],
      ["tier1", v],
      ["status", v],
      ["rejected_height", i],
      ["reject_reason", v],
      ["trap", v],
      ["reward_uremes", u],
    ],
  },
  {
    name: "slashes",
    doc: "per Slashed event: offence, offender's class and role, amount and where it went",
    columns: [
      ["run_id", v],
      ["height", i],
      ["window", i],
      ["address", v],
      ["actor_kind", v],
      ["role", v],
      ["offence", v],
      ["offence_key", v],
      ["amount_uremes", u],
      ["burned_uremes", u],
      ["to_community_uremes", u],
      ["beneficiary", v],
      ["to_beneficiary_uremes", u],
    ],
  },
  {
    name: "rewards",
    doc: "per RewardMinted event: recipient's class, reward kind, amount",
    columns: [
      ["run_id", v],
      ["height", i],
      ["window", i],
      ["address", v],
      ["actor_kind", v],
      ["reward_kind", v],
      ["amount_uremes", u],
    ],
  },
  {
    name: "disputes",
    doc: "per dispute (tiers 2 and 3): subject, challenger, bond, escalation, outcome",
    columns: [
      ["run_id", v],
      ["dispute_id", i],
      ["window", i],
      ["subject", v],
      ["subject_id", i],
      ["challenger", v],
      ["bond_uremes", u],
      ["opened_height", i],
      ["opened_tier", i],
      ["escalated_height", i],
      ["resolved_height", i],
      ["final_tier", i],
      ["outcome", v],
    ],
  },
  {
    name: "profit",
    doc: "per actor: on-chain net (end − genesis wealth) broken down by the events, off-chain cost of work and capital, profit (src/sim/profit.ts, docs/profit.md)",
    columns: [
      ["run_id", v],
      ["address", v],
      ["actor_kind", v],
      ["actor_group", v],
      ["gpu_arch", v],
      ["stake_genesis_uremes", u],
      ["net_uremes", "BIGINT"],
      ["rewards_uremes", u],
      ["slashed_uremes", u],
      ["slash_bounty_uremes", u],
      ["bonds_posted_uremes", u],
      ["bonds_lost_uremes", u],
      ["bonds_open_uremes", u],
      ["bonds_won_uremes", u],
      ["fees_uremes", u],
      ["other_uremes", "BIGINT"],
      ["tasks", i],
      ["tier2_checks", i],
      ["tier3_jobs", i],
      ["aggregations", i],
      ["gpu_ms", "BIGINT"],
      ["work_cost_uremes", "BIGINT"],
      ["capital_cost_uremes", "BIGINT"],
      ["profit_uremes", "BIGINT"],
      ["sim_ms", "BIGINT"],
    ],
  },
  {
    name: "blocks",
    doc: "per block: virtual time, window in progress, transactions, events, app hash",
    columns: [
      ["run_id", v],
      ["height", i],
      ["time_ms", "BIGINT"],
      ["window", i],
      ["txs", i],
      ["rejected_txs", i],
      ["events", i],
      ["app_hash", v],
    ],
  },
  {
    name: "stake",
    doc: "stake and balance held by each actor class at each window's start and at the last block",
    columns: [
      ["run_id", v],
      ["height", i],
      ["window", i],
      ["actor_kind", v],
      ["actors", i],
      ["stake_uremes", u],
      ["balance_uremes", u],
    ],
  },
  {
    name: "model",
    doc: "per training window: the global model it trained from and after it (loss = squared distance to the optimum in model units with the simulated backend, held-out cross-entropy in micro-nats with the kernels backend; distance is meaningful for the simulated one only; docs/model.md), its aggregation, REMES minted by then",
    columns: [
      ["run_id", v],
      ["window", i],
      ["open_height", i],
      ["method", v],
      ["included", i],
      ["aggregate_finalized", "BOOLEAN"],
      ["aggregation_faulted", "BOOLEAN"],
      ["settled_height", i],
      ["base_loss", u],
      ["loss", u],
      ["distance", "DOUBLE"],
      ["loss_ratio", "DOUBLE"],
      ["aggregate_error_l1", "BIGINT"],
      ["minted_uremes", u],
      ["remes_minted", "DOUBLE"],
    ],
  },
  {
    name: "events",
    doc: "the event log: height, index in the block, event case, payload as JSON (uint64 as strings, bytes as hex)",
    columns: [
      ["run_id", v],
      ["height", i],
      ["event_index", i],
      ["event_case", v],
      ["payload", "JSON"],
    ],
  },
] as const satisfies readonly {
  name: string;
  doc: string;
  columns: readonly (readonly [string, ColumnType])[];
}[];

export type TableName = (typeof tables)[number]["name"];
export const tableNames: readonly TableName[] = tables.map((t) => t.name);

const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

export const createTableSql = (t: TableDef, name: string = t.name): string =>
  `CREATE TABLE IF NOT EXISTS ${quoteIdent(name)} (${t.columns.map(([c, ty]) => `${quoteIdent(c)} ${ty}`).join(", ")})`;

/** A SQL string literal (paths in COPY / ATTACH cannot be bound as parameters). */
export const sqlString = (s: string): string => `'${s.replaceAll("'", "''")}'`;

export { quoteIdent };
