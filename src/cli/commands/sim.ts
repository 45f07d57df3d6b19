import { Effect, Option } from "effect";
import { Argument, Command, Flag } from "effect/cli";
import { userFailure } from "../errors.ts";
import { runSim } from "../sim-run.ts";

const run = Command.make(
  "run",
  {
    scenario: Argument.String("scenario").pipe(Argument.withDescription("Scenario file (JSON), e.g. scenarios/baseline.json; how to write one: docs/scenarios.md")),
    seed: Flag.Int("seed").pipe(Flag.withDescription("First seed (default: the scenario's, else 1); the same seed gives a byte-identical event log"), Flag.optional),
    seeds: Flag.Int("seeds").pipe(Flag.withDescription("Monte Carlo: run this many consecutive seeds (default: the scenario's, else 1)"), Flag.optional),
    out: Flag.String("out").pipe(Flag.withDescription("Output folder for results.duckdb, parquet/ and report.html (default out/<scenario>)"), Flag.optional),
    json: Flag.Boolean("json").pipe(Flag.withDescription("One JSON line per run on stdout: seed, blocks, events, event_log_sha256, app_hash, report"), Flag.withDefault(false)),
    threads: Flag.Int("threads").pipe(Flag.withDescription("Worker threads for several runs (default: all cores; 1 runs in-process)"), Flag.optional),
    blocks: Flag.Int("blocks").pipe(Flag.withDescription("Override the scenario's number of blocks (e.g. a short run)"), Flag.optional),
    noEvents: Flag.Boolean("no-event-log").pipe(Flag.withDescription("Skip the per-event table (smaller results for long runs)"), Flag.withDefault(false)),
  },
  (f) =>
    Effect.tryPromise({
      try: () => runSim({
        scenario: f.scenario,
        seed: Option.getOrUndefined(f.seed),
        seeds: Option.getOrUndefined(f.seeds),
        out: Option.getOrUndefined(f.out),
        json: f.json,
        threads: Option.getOrUndefined(f.threads),
        blocks: Option.getOrUndefined(f.blocks),
        eventLog: !f.noEvents,
      }),
      catch: userFailure("sim run failed"),
    }).pipe(Effect.flatMap((status) => (status === 0 ? Effect.void : Effect.sync(() => process.exit(status))))),
).pipe(
  Command.withDescription("Run a scenario (its Monte Carlo seeds and sweep points), record DuckDB + Parquet tables and write an HTML report"),
  Command.withExamples([
    { command: "r3mes sim run scenarios/baseline.json", description: "The honest baseline; prints where the report is" },
    { command: "r3mes sim run scenarios/lazy_30.json --seeds 20 --out out/lazy30", description: "20 Monte Carlo seeds over all cores" },
    { command: "r3mes sim run scenarios/lazy_sweep.json --json", description: "A parameter sweep, one JSON line per run" },
  ]),
);

export const simCommand = Command.make("sim").pipe(
  Command.withDescription("Deterministic discrete-event simulation of the protocol: thousands of actors, attack scenarios, reports"),
  Command.withSubcommands([run]),
);
