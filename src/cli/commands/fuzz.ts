/** `r3mes fuzz`: the seeded fuzzers (src/fuzz/) of decide, node txs, ABCI framing, queries and scenario files; each failure printed with its seed and minimal input (docs/fuzzing.md). */
import { Effect, Option } from "effect";
import { Command, Flag } from "effect/cli";
import { userFailure } from "../errors.ts";

// fast-check (a devDependency) is loaded only when this command runs: the fuzzers need it, no other command does.
export const fuzzCommand = Command.make(
  "fuzz",
  {
    target: Flag.String("target").pipe(
      Flag.withDescription(
        "One target: protocol, tx, chain, framing, query, scenario or scenario-run (default: all, in that order)",
      ),
      Flag.optional,
    ),
    seed: Flag.Int("seed").pipe(
      Flag.withDescription(
        "Seed of the inputs (default: from the time, or from the commit with --ci); printed with every failure",
      ),
      Flag.optional,
    ),
    runs: Flag.Int("runs").pipe(
      Flag.withDescription("Inputs per target (default: the target's CI share)"),
      Flag.optional,
    ),
    minutes: Flag.Finite("minutes").pipe(
      Flag.withDescription(
        "Long run: fuzz this many minutes in all, split over the targets, with fresh seeds batch after batch",
      ),
      Flag.optional,
    ),
    ci: Flag.Boolean("ci").pipe(
      Flag.withDescription(
        "CI: seed from `git rev-parse HEAD`, each target's CI share of inputs (≥ 100,000 in all)",
      ),
      Flag.withDefault(false),
    ),
    strict: Flag.Boolean("strict").pipe(
      Flag.withDescription(
        "Fail on known defect classes too (src/fuzz/finding.ts), to see one shrunk to its minimal input",
      ),
      Flag.withDefault(false),
    ),
    save: Flag.String("save").pipe(
      Flag.withDescription(
        "Write a violation's minimal input to this folder as a regression fixture (e.g. test/fuzz/corpus)",
      ),
      Flag.optional,
    ),
  },
  (f) =>
    Effect.tryPromise({
      try: async () => {
        const { runFuzz } = await import("../../fuzz/session.ts");
        return runFuzz({
          target: Option.getOrUndefined(f.target),
          seed: Option.getOrUndefined(f.seed),
          runs: Option.getOrUndefined(f.runs),
          minutes: Option.getOrUndefined(f.minutes),
          ci: f.ci,
          strict: f.strict,
          save: Option.getOrUndefined(f.save),
        });
      },
      catch: userFailure("fuzz failed"),
    }).pipe(
      Effect.flatMap((status) =>
        status === 0 ? Effect.void : Effect.sync(() => process.exit(status)),
      ),
    ),
).pipe(
  Command.withDescription(
    "Seeded fuzzers of the protocol's decide, node txs (CheckTx/FinalizeBlock, and streams of committed blocks across three apps), ABCI framing, queries, scenario files and short runs of the accepted ones; each failure printed with its seed and minimal input",
  ),
  Command.withExamples([
    { command: "r3mes fuzz", description: "Every target, its CI share of inputs, a fresh seed" },
    {
      command: "r3mes fuzz --target tx --seed 42 --runs 5000",
      description: "Reproduce: the same seed and run count give the same inputs",
    },
    {
      command: "r3mes fuzz --minutes 30",
      description: "A long run; one JSON line per target with inputs/s",
    },
    {
      command: "r3mes fuzz --target tx --strict --save test/fuzz/corpus",
      description: "Shrink the first defect, known ones included, and keep it as a fixture",
    },
  ]),
);
