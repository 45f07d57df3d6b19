/**
 * The lean entry of the node's long-running process: `r3mes node start` and
 * `r3mes node app` land here (bin/r3mes.js dispatches before loading the
 * CLI), so the process that holds the chain state loads only src/node and
 * src/protocol — not the Effect CLI, @effect/platform-node, DuckDB or the
 * wallet code. That process is the ABCI server itself (its pid is what a
 * supervisor such as `r3mes testnet` signals, pauses and kills).
 *
 * The argument parser here knows just the flags of those two commands; on
 * anything else (`--help`, an unknown or malformed flag) `leanNode` returns
 * undefined and the caller runs the full CLI, which prints its usual help or
 * error.
 */
import { parseMetricsAddress } from "./metrics-http.ts";
import { rpcUrlOf } from "./rest-rpc.ts";
import { startNode } from "./run.ts";

interface LeanArgs {
  readonly withCometbft: boolean;
  readonly home: string;
  readonly snapshotInterval: number;
  readonly metrics?: string;
  readonly rest?: string;
  readonly rpc?: string;
}

/** `node start|app --home DIR [--snapshot-interval N] [--metrics ADDR] [--rest ADDR]` (`node app`: also `[--rpc URL]`), or undefined for anything else. */
export const parseLeanArgs = (argv: readonly string[]): LeanArgs | undefined => {
  if (argv[0] !== "node" || (argv[1] !== "start" && argv[1] !== "app")) return undefined;
  const flags = new Map<string, string>();
  for (let i = 2; i < argv.length; i++) {
    const m = /^--(home|snapshot-interval|metrics|rest|rpc)(?:=(.*))?$/.exec(argv[i]!);
    if (!m || flags.has(m[1]!)) return undefined;
    const value = m[2] ?? argv[++i];
    if (value === undefined || value === "") return undefined;
    flags.set(m[1]!, value);
  }
  const home = flags.get("home");
  const interval = flags.get("snapshot-interval") ?? "100";
  if (home === undefined || !/^[1-9][0-9]{0,8}$/.test(interval)) return undefined;
  const metrics = flags.get("metrics");
  if (metrics !== undefined && parseMetricsAddress(metrics) instanceof Error) return undefined;
  const rest = flags.get("rest");
  if (rest !== undefined && parseMetricsAddress(rest) instanceof Error) return undefined;
  const rpc = flags.get("rpc");
  if (rpc !== undefined && (argv[1] !== "app" || rpcUrlOf(rpc) instanceof Error)) return undefined;
  return {
    withCometbft: argv[1] === "start",
    home,
    snapshotInterval: Number(interval),
    ...(metrics !== undefined ? { metrics } : {}),
    ...(rest !== undefined ? { rest } : {}),
    ...(rpc !== undefined ? { rpc } : {}),
  };
};

/** Runs the node for these arguments and resolves with the process exit code; undefined: not ours, run the CLI. */
export const leanNode = async (argv: readonly string[]): Promise<number | undefined> => {
  const a = parseLeanArgs(argv);
  if (a === undefined) return undefined;
  const command = a.withCometbft ? "node start" : "node app";
  let node;
  try {
    node = await startNode({
      home: a.home,
      withCometbft: a.withCometbft,
      snapshotInterval: a.snapshotInterval,
      ...(a.metrics !== undefined ? { metrics: a.metrics } : {}),
      ...(a.rest !== undefined ? { rest: a.rest } : {}),
      ...(a.rpc !== undefined ? { rpc: a.rpc } : {}),
      say: (l) => console.log(l),
    });
  } catch (e) {
    console.error(`${command} failed: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
  let signalled = false;
  // An app started by `node start` (an IPC channel) leaves a terminal's Ctrl-C to its parent, which stops CometBFT first and then it.
  const underParent = !a.withCometbft && process.send !== undefined;
  if (underParent) process.on("SIGINT", () => {});
  for (const sig of underParent ? (["SIGTERM"] as const) : (["SIGINT", "SIGTERM"] as const)) {
    process.once(sig, () => {
      signalled = true;
      void node.stop(sig);
    });
  }
  const code = await node.exited;
  if (code !== 0 && !signalled)
    console.error(`${command}: node stopped: exit code ${code}; see ${a.home}/logs`);
  return code;
};
