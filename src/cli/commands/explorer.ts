/** `r3mes explorer --rpc URL [--rest URL] [--listen ADDR]`: the chain explorer and miner console in a browser (docs/explorer.md). */
import { Effect, Option } from "effect";
import { Command, Flag } from "effect/cli";
import { startExplorer } from "../../explorer/start.ts";
import { userFailure } from "../errors.ts";

export const DEFAULT_EXPLORER_LISTEN = "26680";

export const explorerCommand = Command.make(
  "explorer",
  {
    rpc: Flag.String("rpc").pipe(
      Flag.withDescription(
        "The node's CometBFT RPC (http://HOST:PORT or tcp://HOST:PORT; default http://127.0.0.1:26657)",
      ),
      Flag.withDefault("http://127.0.0.1:26657"),
    ),
    rest: Flag.String("rest").pipe(
      Flag.withDescription(
        "The node's REST gateway (r3mes node start --rest); without it the explorer answers the same REST queries itself over the RPC",
      ),
      Flag.optional,
    ),
    listen: Flag.String("listen").pipe(
      Flag.withDescription(
        `Where to serve the explorer: PORT (loopback) or HOST:PORT (default ${DEFAULT_EXPLORER_LISTEN}: http://127.0.0.1:${DEFAULT_EXPLORER_LISTEN})`,
      ),
      Flag.withDefault(DEFAULT_EXPLORER_LISTEN),
    ),
  },
  (f) =>
    Effect.scoped(
      Effect.gen(function* () {
        const server = yield* Effect.acquireRelease(
          Effect.tryPromise({
            try: () =>
              startExplorer({
                rpc: f.rpc,
                listen: f.listen,
                ...Option.match(f.rest, { onNone: () => ({}), onSome: (rest) => ({ rest }) }),
              }),
            catch: userFailure("explorer failed"),
          }),
          (s) => Effect.promise(() => s.close()),
        );
        console.log(`r3mes explorer: ${server.url} (CometBFT RPC ${f.rpc}); Ctrl-C stops`);
        yield* Effect.never;
      }),
    ),
).pipe(
  Command.withDescription(
    "The chain explorer and miner console: a read-only web page of a node's chain — blocks and txs, training windows with their submissions and tier-1 verdicts, disputes by tier, trap reveals, aggregations, slashes, rewards, governance, and an address page for miners, validators and proposers (stake, tasks, submissions, earnings, slashes, unbondings); live over CometBFT's events (docs/explorer.md)",
  ),
  Command.withExamples([
    {
      command: "r3mes explorer --rpc http://127.0.0.1:26657",
      description: "Serve the explorer of a local node at http://127.0.0.1:26680",
    },
    {
      command:
        "r3mes explorer --rpc http://10.0.0.5:26657 --rest http://10.0.0.5:1317 --listen 0.0.0.0:8080",
      description: "A remote node's explorer, on every interface (it is read-only: no broadcast)",
    },
  ]),
);
