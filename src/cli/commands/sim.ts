/** `r3mes sim run|search|swarm|merge|job`: the simulator's commands (docs/scenarios.md, docs/sweeps.md, docs/swarm.md); the work lives in src/sim, these only parse flags and print. */
import { Effect, Option } from "effect";
import { Argument, Command, Flag } from "effect/cli";
import { userFailure } from "../errors.ts";
import { runSim } from "../sim-run.ts";
import { runMerge, writeJob } from "../sim-shard.ts";
import { runSearch } from "../sim-search.ts";
import { runSwarmCli } from "../sim-swarm.ts";

const run = Command.make(
  "run",
  {
    scenario: Argument.String("scenario").pipe(
      Argument.withDescription(
        "Scenario file (JSON), e.g. scenarios/baseline.json; how to write one: docs/scenarios.md",
      ),
    ),
    seed: Flag.Int("seed").pipe(
      Flag.withDescription(
        "First seed (default: the scenario's, else 1); the same seed gives a byte-identical event log",
      ),
      Flag.optional,
    ),
    seeds: Flag.Int("seeds").pipe(
      Flag.withDescription(
        "Monte Carlo: run this many consecutive seeds (default: the scenario's, else 1)",
      ),
      Flag.optional,
    ),
    out: Flag.String("out").pipe(
      Flag.withDescription(
        "Output folder for results.duckdb, parquet/ and report.html (default out/<scenario>)",
      ),
      Flag.optional,
    ),
    json: Flag.Boolean("json").pipe(
      Flag.withDescription(
        "One JSON line per run on stdout: seed, blocks, events, event_log_sha256, app_hash, report",
      ),
      Flag.withDefault(false),
    ),
    threads: Flag.Int("threads").pipe(
      Flag.withDescription(
        "Worker threads for several runs (default: all cores; 1 runs in-process)",
      ),
      Flag.optional,
    ),
    blocks: Flag.Int("blocks").pipe(
      Flag.withDescription("Override the scenario's number of blocks (e.g. a short run)"),
      Flag.optional,
    ),
    noEvents: Flag.Boolean("no-event-log").pipe(
      Flag.withDescription("Skip the per-event table (smaller results for long runs)"),
      Flag.withDefault(false),
    ),
    shard: Flag.Int("shard").pipe(
      Flag.withDescription(
        "Distributed sweep: run only shard I (0-based; run i of the sweep belongs to shard i mod N) and write a part (Parquet + manifest.json, no report) to --out (default out/<scenario>/shards/I); merge the parts with r3mes sim merge (docs/sweeps.md)",
      ),
      Flag.optional,
    ),
    of: Flag.Int("of").pipe(
      Flag.withDescription("Distributed sweep: the number of shards N (with --shard)"),
      Flag.optional,
    ),
    parallelism: Flag.Int("parallelism").pipe(
      Flag.withDescription(
        "Run the sweep as N local shard processes (--shard i --of N each), then merge them into --out",
      ),
      Flag.optional,
    ),
  },
  (f) =>
    Effect.tryPromise({
      try: () =>
        runSim({
          shard: Option.getOrUndefined(f.shard),
          of: Option.getOrUndefined(f.of),
          parallelism: Option.getOrUndefined(f.parallelism),
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
    }).pipe(
      Effect.flatMap((status) =>
        status === 0 ? Effect.void : Effect.sync(() => process.exit(status)),
      ),
    ),
).pipe(
  Command.withDescription(
    "Run a scenario (its Monte Carlo seeds and sweep points), record DuckDB + Parquet tables and write an HTML report",
  ),
  Command.withExamples([
    {
      command: "r3mes sim run scenarios/baseline.json",
      description: "The honest baseline; prints where the report is",
    },
    {
      command: "r3mes sim run scenarios/lazy_30.json --seeds 20 --out out/lazy30",
      description: "20 Monte Carlo seeds over all cores",
    },
    {
      command: "r3mes sim run scenarios/lazy_sweep.json --json",
      description: "A parameter sweep, one JSON line per run",
    },
    {
      command: "r3mes sim run scenarios/lazy_sweep.json --shard 0 --of 4 --out parts/0",
      description: "Shard 0 of 4 of the sweep: a part to merge with the other three",
    },
    {
      command: "r3mes sim run scenarios/lazy_sweep.json --parallelism 4",
      description: "The sweep as 4 local shard processes, merged into out/lazy_sweep",
    },
  ]),
);

const searchCmd = Command.make(
  "search",
  {
    scenario: Argument.String("scenario").pipe(
      Argument.withDescription(
        "Scenario file (JSON) holding the attacker group, e.g. scenarios/attacks/loss_copier.json",
      ),
    ),
    attacker: Flag.String("attacker").pipe(
      Flag.withDescription(
        "The attacker group whose strategy options are searched: its `group` name (GROUP:KIND when a coalition has several searchable kinds), or its kind when one group has it; a coalition is scored as a whole",
      ),
    ),
    budget: Flag.Int("budget").pipe(
      Flag.withDescription(
        "Candidate strategies to evaluate, the scenario's own included (default 24)",
      ),
      Flag.withDefault(24),
    ),
    seeds: Flag.Int("seeds").pipe(
      Flag.withDescription(
        "Monte Carlo seeds per candidate, the same for every candidate (default 3)",
      ),
      Flag.withDefault(3),
    ),
    seed: Flag.Int("seed").pipe(
      Flag.withDescription("First Monte Carlo seed (default: the scenario's, else 1)"),
      Flag.optional,
    ),
    searchSeed: Flag.Int("search-seed").pipe(
      Flag.withDescription(
        "Seed of the optimiser itself (default 1): the same seeds give the same search",
      ),
      Flag.withDefault(1),
    ),
    blocks: Flag.Int("blocks").pipe(
      Flag.withDescription("Blocks per run (default: the scenario's shortBlocks, else blocks)"),
      Flag.optional,
    ),
    out: Flag.String("out").pipe(
      Flag.withDescription(
        "Output folder for best.json, candidates.json and report.html (default out/<scenario>/search-<attacker>)",
      ),
      Flag.optional,
    ),
    json: Flag.Boolean("json").pipe(
      Flag.withDescription("Print the outcome as one JSON line (progress goes to stderr)"),
      Flag.withDefault(false),
    ),
  },
  (f) =>
    Effect.tryPromise({
      try: () =>
        runSearch({
          scenario: f.scenario,
          attacker: f.attacker,
          budget: f.budget,
          seeds: f.seeds,
          seed: Option.getOrUndefined(f.seed),
          searchSeed: f.searchSeed,
          blocks: Option.getOrUndefined(f.blocks),
          out: Option.getOrUndefined(f.out),
          json: f.json,
        }),
      catch: userFailure("sim search failed"),
    }),
).pipe(
  Command.withDescription(
    "Search an attacker group's strategy options (skip rate, fake mode, effort, …) for the most profitable one against honest work, over Monte Carlo seeds; writes it as a runnable scenario plus a report of the search (docs/scenarios.md)",
  ),
  Command.withExamples([
    {
      command:
        "r3mes sim search scenarios/attacks/loss_copier.json --attacker loss_copying_miner --budget 24",
      description: "From the scenario's strategy, find a better one; prints where best.json is",
    },
  ]),
);

const swarm = Command.make(
  "swarm",
  {
    seeds: Flag.Int("seeds").pipe(
      Flag.withDescription(
        "How many seeds to run; each draws its own faults, actor mix and parameters (default 100)",
      ),
      Flag.withDefault(100),
    ),
    first: Flag.Int("first").pipe(
      Flag.withDescription("First seed (default 1)"),
      Flag.withDefault(1),
    ),
    blocks: Flag.Int("blocks").pipe(
      Flag.withDescription("Blocks per run (default 100)"),
      Flag.optional,
    ),
    out: Flag.String("out").pipe(
      Flag.withDescription("Folder for the drawn scenarios, seed-N.json (default out/swarm)"),
      Flag.optional,
    ),
    worlds: Flag.String("worlds").pipe(
      Flag.withDescription(
        "drawn (default): each scenario as drawn, checked against the invariants; fault-free: no faults, and a seed fails if an honest miner or proposer is slashed; honest: the honest groups only, no faults, and a seed fails if anyone is slashed or ends at a loss (docs/swarm.md)",
      ),
      Flag.withDefault("drawn"),
    ),
  },
  (f) =>
    Effect.tryPromise({
      try: () =>
        runSwarmCli({
          seeds: f.seeds,
          first: f.first,
          blocks: Option.getOrUndefined(f.blocks),
          out: Option.getOrUndefined(f.out),
          worlds: f.worlds,
        }),
      catch: userFailure("sim swarm failed"),
    }).pipe(
      Effect.flatMap((status) =>
        status === 0 ? Effect.void : Effect.sync(() => process.exit(status)),
      ),
    ),
).pipe(
  Command.withDescription(
    "Swarm runs (after TigerBeetle's VOPR): each seed draws fault knobs, an actor mix and protocol parameters, runs a short simulation with the invariants checked every block, and prints the reproduce line of any failure (docs/swarm.md)",
  ),
  Command.withExamples([
    {
      command: "r3mes sim swarm --seeds 200",
      description:
        "200 drawn scenarios; failing ones reproduce with r3mes sim run out/swarm/seed-N.json --seed N",
    },
    {
      command: "r3mes sim swarm --seeds 1000 --worlds fault-free --out out/fair",
      description:
        "1,000 fault-free worlds with attackers: fails a seed where an honest miner or proposer is slashed",
    },
  ]),
);

const merge = Command.make(
  "merge",
  {
    dirs: Argument.String("dir").pipe(
      Argument.withDescription(
        "Shard parts (folders written by sim run --shard I --of N), or folders holding them",
      ),
      Argument.atLeast(1),
    ),
    out: Flag.String("out").pipe(
      Flag.withDescription("Output folder for results.duckdb, parquet/ and report.html"),
    ),
    json: Flag.Boolean("json").pipe(
      Flag.withDescription("One JSON line per run on stdout, as sim run --json prints"),
      Flag.withDefault(false),
    ),
  },
  (f) =>
    Effect.tryPromise({
      try: () => runMerge({ dirs: f.dirs, out: f.out, json: f.json }),
      catch: userFailure("sim merge failed"),
    }),
).pipe(
  Command.withDescription(
    "Merge the parts of a sharded sweep into one results.duckdb, Parquet and report, identical to running the sweep on one machine; checks that every shard is there exactly once",
  ),
  Command.withExamples([
    {
      command: "r3mes sim merge parts/0 parts/1 parts/2 parts/3 --out out/lazy_sweep",
      description: "Four shards' parts into one results folder",
    },
  ]),
);

const job = Command.make(
  "job",
  {
    scenario: Argument.String("scenario").pipe(
      Argument.withDescription("Scenario file (JSON) whose sweep the Job runs"),
    ),
    parallelism: Flag.Int("parallelism").pipe(
      Flag.withDescription(
        "Shards N: the Indexed Job's completions and parallelism (one pod per shard)",
      ),
    ),
    image: Flag.String("image").pipe(
      Flag.withDescription("Container image with the r3mes command (default r3mes:latest)"),
      Flag.withDefault("r3mes:latest"),
    ),
    volumeClaim: Flag.String("volume-claim").pipe(
      Flag.withDescription(
        "An existing ReadWriteMany PersistentVolumeClaim for the parts and results (default: the manifest declares <job>-parts)",
      ),
      Flag.optional,
    ),
    storage: Flag.String("storage").pipe(
      Flag.withDescription("Size of the claim the manifest declares (default 10Gi)"),
      Flag.withDefault("10Gi"),
    ),
    threads: Flag.Int("threads").pipe(
      Flag.withDescription("Worker threads per pod, and its CPU request (default 1)"),
      Flag.withDefault(1),
    ),
    seed: Flag.Int("seed").pipe(
      Flag.withDescription("First seed, passed to every shard"),
      Flag.optional,
    ),
    seeds: Flag.Int("seeds").pipe(
      Flag.withDescription("Monte Carlo seeds, passed to every shard"),
      Flag.optional,
    ),
    blocks: Flag.Int("blocks").pipe(
      Flag.withDescription("Blocks per run, passed to every shard"),
      Flag.optional,
    ),
    noEvents: Flag.Boolean("no-event-log").pipe(
      Flag.withDescription("Skip the per-event table in every shard"),
      Flag.withDefault(false),
    ),
    out: Flag.String("out").pipe(
      Flag.withDescription("Folder for job.yaml and merge-job.yaml (default out/<scenario>/k8s)"),
      Flag.optional,
    ),
  },
  (f) =>
    Effect.tryPromise({
      try: () =>
        writeJob({
          scenario: f.scenario,
          parallelism: f.parallelism,
          image: f.image,
          volumeClaim: Option.getOrUndefined(f.volumeClaim),
          storage: f.storage,
          threads: f.threads,
          out: Option.getOrUndefined(f.out),
          seed: Option.getOrUndefined(f.seed),
          seeds: Option.getOrUndefined(f.seeds),
          blocks: Option.getOrUndefined(f.blocks),
          eventLog: !f.noEvents,
        }),
      catch: userFailure("sim job failed"),
    }),
).pipe(
  Command.withDescription(
    "Write a Kubernetes Indexed Job that runs a sweep's shards as pods (index from JOB_COMPLETION_INDEX, parts on a shared volume), plus the Job that merges them (docs/sweeps.md)",
  ),
  Command.withExamples([
    {
      command: "r3mes sim job scenarios/lazy_sweep.json --parallelism 6 --volume-claim sweeps",
      description: "job.yaml and merge-job.yaml under out/lazy_sweep/k8s",
    },
  ]),
);

export const simCommand = Command.make("sim").pipe(
  Command.withDescription(
    "Deterministic discrete-event simulation of the protocol: thousands of actors, attack scenarios, reports",
  ),
  Command.withSubcommands([run, merge, job, searchCmd, swarm]),
);
