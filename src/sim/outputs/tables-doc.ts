/**
 * docs/tables.md, generated from the one schema (tables.ts) so the
 * researcher's reference can not drift from the tables a run writes
 * (`npm run docs:tables` rewrites it; a test checks it is current).
 */
import { tables } from "./tables.ts";

const UNITS = [
  "- `*_uremes`: integer amounts in uremes (10⁶ uremes = 1 REMES).",
  "- `*_remes`, `*_per_*`: REMES (floating point, off-chain figures).",
  "- `*_bps`: basis points (10,000 = 100%); `*_micro`: millionths; `*_ms`: virtual milliseconds since the run started.",
  "- `*_height`: a block height, NULL when the run ended first; `window`: the training window (−1 before the first).",
  "- `run_id`: scenario/seed/sweep point; every table has it, so runs of a sweep compare with plain SQL.",
];

export const tablesMarkdown = (): string => {
  const out = [
    "# Results tables",
    "",
    "<!-- generated from src/sim/outputs/tables.ts by `npm run docs:tables`: edit that file, not this one -->",
    "",
    "Every `r3mes sim run` writes these tables to `results.duckdb` and as Parquet files under `parquet/`.",
    "Units by column name:",
    "",
    ...UNITS,
    "",
  ];
  for (const t of tables) {
    out.push(
      `## \`${t.name}\``,
      "",
      `${t.doc[0]!.toUpperCase()}${t.doc.slice(1)}.`,
      "",
      "| column | type |",
      "| --- | --- |",
    );
    for (const [name, type] of t.columns) out.push(`| \`${name}\` | ${type} |`);
    out.push("");
  }
  return out.join("\n");
};
