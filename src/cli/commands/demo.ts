/** `r3mes demo`: applies one scripted training window (src/protocol/testing/demo-world.ts) and prints its events and app hash; a first look at the protocol without a chain. */
import { Effect } from "effect";
import { Command, Flag } from "effect/cli";
import { runDemo } from "../demo.ts";
import { userFailure } from "../errors.ts";

export const demoCommand = Command.make(
  "demo",
  {
    json: Flag.Boolean("json").pipe(
      Flag.withDescription("Print machine-readable JSON instead of text"),
      Flag.withDefault(false),
    ),
    seed: Flag.Int("seed").pipe(
      Flag.withDescription(
        "Seed of the scripted run (default 1); the same seed gives byte-identical output",
      ),
      Flag.withDefault(1),
    ),
  },
  ({ json, seed }) =>
    Effect.tryPromise({
      try: () => runDemo({ seed, json }),
      catch: userFailure("demo failed"),
    }),
).pipe(
  Command.withDescription(
    "Apply a scripted window of protocol transactions and print the events and app hash",
  ),
  Command.withExamples([
    { command: "r3mes demo", description: "Run the scripted window with seed 1" },
    { command: "r3mes demo --seed 7 --json", description: "Another seed, JSON output" },
  ]),
);
