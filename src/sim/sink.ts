/**
 * The contract between a simulation run and what records it: the engine
 * (src/sim) calls a RunSink once at the start, once per committed block, and
 * once at the end; outputs (DuckDB/Parquet tables, metrics, HTML reports)
 * are sinks. Blocks are streamed, never all held, so a simulated day of
 * 10,000 miners stays within memory.
 */
import type { Params } from "../gen/remes/v1/params_pb.ts";
import type { AggregationMethod } from "../gen/remes/v1/types_pb.ts";
import type { ProtocolCommand } from "../protocol/commands.ts";
import type { BlockContext } from "../protocol/context.ts";
import type { ProtocolEvent } from "../protocol/events.ts";
import type { State } from "../protocol/state.ts";

// Actors and their aggregates are the actors' types (src/actors/); re-exported for the sinks.
export type { ActorInfo, ActorKind } from "../actors/kinds.ts";
import type { ActorInfo } from "../actors/kinds.ts";
export type { AggregateRecord } from "../actors/aggregate.ts";
import type { AggregateRecord } from "../actors/aggregate.ts";
import type { ProfitRow } from "./profit.ts";

export interface RunStart {
  readonly scenario: string;
  readonly seed: number;
  /** Scenario parameters as given (for the report), JSON-safe. */
  readonly config: Readonly<Record<string, unknown>>;
  readonly params: Params;
  readonly actors: readonly ActorInfo[];
  /** Number of blocks the run will produce (for progress). */
  readonly plannedBlocks: number;
  /**
   * The sweep point this run belongs to (e.g. { trap_rate_bps: 1000 }), if
   * the scenario sweeps parameters: with scenario and seed it keys the run
   * in the results tables (src/sim/outputs).
   */
  readonly sweepPoint?: Readonly<Record<string, string | number | boolean>>;
}

export interface BlockRecord {
  readonly height: number;
  /** Virtual time of the block, milliseconds since the run started. */
  readonly timeMs: number;
  readonly events: readonly ProtocolEvent[];
  readonly appHash: Uint8Array;
  readonly txs: number;
  readonly rejectedTxs: number;
  /** The committed state after the block: read only, valid during the call. */
  readonly state: Readonly<State>;
  /** The block as applied: its context and its txs' commands in order (one command per tx), to replay it elsewhere. */
  readonly context?: BlockContext;
  readonly commands?: readonly ProtocolCommand[];
}

export interface RunEnd {
  readonly blocks: number;
  readonly events: number;
  /** sha256 over the whole length-prefixed encoded event log. */
  readonly eventLogSha256: string;
  readonly appHash: string;
  /** Set when an invariant broke; the run stopped at that block. */
  readonly violation?: { readonly height: number; readonly messages: readonly string[] };
  /** Off-chain: the aggregates proposers computed, one per window aggregated (added by the sim engine). */
  readonly aggregates?: readonly AggregateRecord[];
  /** Off-chain: each actor's profit after the cost of its work and capital (src/sim/profit.ts; added by the sim engine). */
  readonly profit?: readonly ProfitRow[];
  /** Off-chain: the global model after each window (simulated backend only; model-tracker.ts). */
  readonly model?: readonly ModelRecord[];
}

/**
 * The global model as one window left it (src/sim/model-tracker.ts): the
 * model it trained from, and the model once its aggregate was finalized
 * (or, with none finalized, as it stood when the aggregation faulted or the
 * run ended). Losses are squared distances to the optimum in model units
 * (simulated backend), or the global adapters' held-out cross-entropy in
 * micro-nats (kernels backend).
 */
export interface ModelRecord {
  readonly window: number;
  readonly openHeight: number;
  /** Loss of the model the window trained from (at its opening), and of the initial model θ₀. */
  readonly baseLoss: bigint;
  readonly initialLoss: bigint;
  /** On-chain aggregation: method and submissions included, when one was revealed. */
  readonly method?: AggregationMethod;
  readonly included?: number;
  readonly finalized: boolean;
  readonly faulted: boolean;
  /** Height at which the window's aggregation was finalized or faulted (undefined: neither by the run's end). */
  readonly settledHeight?: number;
  /** Loss of the global model after the window (see above). */
  readonly loss: bigint;
  /** uremes minted since genesis, at that point. */
  readonly mintedUremes: bigint;
}

export interface RunSink {
  start(run: RunStart): void;
  block(block: BlockRecord): void;
  end(run: RunEnd): void | Promise<void>;
}
