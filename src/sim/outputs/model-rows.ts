/**
 * Rows of the `model` table (tables.ts) from a run's off-chain records: the
 * global model after each window (RunEnd.model) joined with the aggregate
 * the window's proposer computed (RunEnd.aggregates: its L1 error against
 * the window's noiseless honest step). Floats here are outputs only.
 */
import { AggregationMethod } from "../../gen/remes/v1/types_pb.ts";
import type { RunEnd } from "../sink.ts";
import type { Cell } from "./tables.ts";

const UREMES_PER_REMES = 1_000_000;

export const modelRows = (runId: string, end: RunEnd): Cell[][] => {
  const errors = new Map<number, number>();
  for (const a of end.aggregates ?? []) errors.set(a.window, a.errorL1);
  return (end.model ?? []).map((m) => [
    runId,
    m.window,
    m.openHeight,
    m.method === undefined ? null : AggregationMethod[m.method]!.toLowerCase(),
    m.included ?? null,
    m.finalized,
    m.faulted,
    m.settledHeight ?? null,
    m.baseLoss,
    m.loss,
    Math.sqrt(Number(m.loss)),
    m.initialLoss > 0n ? Number(m.loss) / Number(m.initialLoss) : null,
    errors.get(m.window) ?? null,
    m.mintedUremes,
    Number(m.mintedUremes) / UREMES_PER_REMES,
  ]);
};
