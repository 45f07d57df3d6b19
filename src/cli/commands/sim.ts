import { Effect, Option } from "effect";
import { Argument, Command, Flag } from "effect/cli";
import { userFailure } from "../errors.ts";
import { runSim } from "../sim-run.ts";
import { runSearch } from "../sim-search.ts";
import { runSwarmCli } from "../sim-swarm.ts";

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

const searchCmd = Command.make(
  "search",
  {
    scenario: Argument.String("scenario").pipe(Argument.withDescription("Scenario file (JSON) holding the attacker group, e.g. scenarios/attacks/loss_copier.json")),
    attacker: Flag.String("attacker").pipe(Flag.withDescription("The attacker group whose strategy options are searched: its `group` name (GROUP:KIND when a coalition has several searchable kinds), or its kind when one group has it; a coalition is scored as a whole")),
    budget: Flag.Int("budget").pipe(Flag.withDescription("Candidate strategies to evaluate, the scenario's own included (default 24)"), Flag.withDefault(24)),
    seeds: Flag.Int("seeds").pipe(Flag.withDescription("Monte Carlo seeds per candidate, the same for every candidate (default 3)"), Flag.withDefault(3)),
    seed: Flag.Int("seed").pipe(Flag.withDescription("First Monte Carlo seed (default: the scenario's, else 1)"), Flag.optional),
    searchSeed: Flag.Int("search-seed").pipe(Flag.withDescription("Seed of the optimiser itself (default 1): the same seeds give the same search"), Flag.withDefault(1)),
    blocks: Flag.Int("blocks").pipe(Flag.withDescription("Blocks per run (default: the scenario's shortBlocks, else blocks)"), Flag.optional),
    out: Flag.String("out").pipe(Flag.withDescription("Output folder for best.json, candidates.json and report.html (default out/<scenario>/search-<attacker>)"), Flag.optional),
    json: Flag.Boolean("json").pipe(Flag.withDescription("Print the outcome as one JSON line (progress goes to stderr)"), Flag.withDefault(false)),
  },
  (f) =>
    Effect.tryPromise({
      try: () => runSearch({
        scenario: f.scenario, attacker: f.attacker, budget: f.budget, seeds: f.seeds, seed: Option.getOrUndefined(f.seed), searchSeed: f.searchSeed,
        blocks: Option.getOrUndefined(f.blocks), out: Option.getOrUndefined(f.out), json: f.json,
      }),
      catch: userFailure("sim search failed"),
    }),
).pipe(
  Command.withDescription("Search an attacker group's strategy options (skip rate, fake mode, effort, …) for the most profitable one against honest work, over Monte Carlo seeds; writes it as a runnable scenario plus a report of the search (docs/scenarios.md)"),
  Command.withExamples([
    { command: "r3mes sim search scenarios/attacks/loss_copier.json --attacker loss_copying_miner --budget 24", description: "From the scenario's strategy, find a better one; prints where best.json is" },
  ]),
);

const swarm = Command.make(
  "swarm",
  {
    seeds: Flag.Int("seeds").pipe(Flag.withDescription("How many seeds to run; each draws its own faults, actor mix and parameters (default 100)"), Flag.withDefault(100)),
    first: Flag.Int("first").pipe(Flag.withDescription("First seed (default 1)"), Flag.withDefault(1)),
    blocks: Flag.Int("blocks").pipe(Flag.withDescription("Blocks per run (default 100)"), Flag.optional),
    out: Flag.String("out").pipe(Flag.withDescription("Folder for the drawn scenarios, seed-N.json (default out/swarm)"), Flag.optional),
  },
  (f) =>
    Effect.tryPromise({
      try: () => runSwarmCli({ seeds: f.seeds, first: f.first, blocks: Option.getOrUndefined(f.blocks), out: Option.getOrUndefined(f.out) }),
      catch: userFailure("sim swarm failed"),
    }).pipe(Effect.flatMap((status) => (status === 0 ? Effect.void : Effect.sync(() => process.exit(status))))),
).pipe(
  Command.withDescription("Swarm runs (after TigerBeetle's VOPR): each seed draws fault knobs, an actor mix and protocol parameters, runs a short simulation with the invariants checked every block, and prints the reproduce line of any failure (docs/swarm.md)"),
  Command.withExamples([{ command: "r3mes sim swarm --seeds 200", description: "200 drawn scenarios; failing ones reproduce with r3mes sim run out/swarm/seed-N.json --seed N" }]),
);

export const simCommand = Command.make("sim").pipe(
  Command.withDescription("Deterministic discrete-event simulation of the protocol: thousands of actors, attack scenarios, reports"),
  Command.withSubcommands([run, searchCmd, swarm]),
);
