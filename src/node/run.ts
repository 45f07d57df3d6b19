/**
 * `r3mes node app`: the ABCI app in this process. `r3mes node start`: the
 * app as a child process (`node app`, with memory settings: appProcess) and
 * CometBFT as another, logs in HOME/logs, stopped cleanly on
 * SIGINT/SIGTERM: CometBFT first (it stops calling the app), then the app
 * (its socket, then its database).
 *
 * At a software upgrade this binary does not have (src/node/upgrades.ts),
 * the app logs `upgrade NAME needed at height H: …` in app.log and on
 * stderr and never answers that FinalizeBlock: the state stays at H − 1.
 * CometBFT, waiting for the answer, keeps gossiping for
 * UPGRADE_HALT_GRACE_MS, so a validator that had not yet seen block H's
 * commit gets it (and halts too, rather than waiting at H − 1 for peers that
 * are gone); then the app exits with UPGRADE_HALT_EXIT_CODE (3), CometBFT
 * stops on the closed connection, and `node start` prints the same line and
 * exits with 3.
 */
import { consensusSecretKeyOf } from "./beacon.ts";
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import * as v8 from "node:v8";
import * as vm from "node:vm";
import { RemesApp } from "./app.ts";
import { type MetricsServer, serveMetrics } from "./metrics-http.ts";
import { mallocTrim } from "./malloc-trim.ts";
import type { RestServer } from "./rest-http.ts";
import { rpcUrlOf } from "./rest-rpc.ts";
import { readToml } from "./toml.ts";
import { type GasPrice, parseGasPrice, ZERO_GAS_PRICE } from "./tx.ts";
import { type AbciHandler, AbciServer } from "./server.ts";
import { secp256k1Description } from "./secp256k1.ts";
import { cometbftBinary } from "./tools.ts";
import { UpgradeNeededError } from "../protocol/upgrades.ts";
import { UPGRADE_HALT_EXIT_CODE, UPGRADE_HALT_GRACE_MS } from "./upgrades.ts";

export interface RunOptions {
  readonly home: string;
  /** false: serve ABCI only (CometBFT started separately). */
  readonly withCometbft: boolean;
  readonly snapshotInterval: number;
  /** Serve Prometheus metrics on this address (PORT or HOST:PORT; a bare port is loopback): metrics.ts. */
  readonly metrics?: string;
  /** Serve the REST gateway (rest.ts) on this address (PORT or HOST:PORT; a bare port is loopback). */
  readonly rest?: string;
  /** The CometBFT RPC the gateway calls (tcp://HOST:PORT or http://…); config.toml's rpc.laddr by default. */
  readonly rpc?: string;
  /** Where progress lines go (the CLI prints them). */
  readonly say: (line: string) => void;
}

export const appDbPath = (home: string): string => path.join(home, "data", "r3mes-app.db");

/** HOME/config/app.toml: the app's own node-local settings (written by `r3mes node init`; optional). */
export const appConfigPath = (home: string): string => path.join(home, "config", "app.toml");

/** Writes HOME/config/app.toml with this minimum gas price. */
export const writeAppConfig = (home: string, minGasPrice: GasPrice): void =>
  fs.writeFileSync(
    appConfigPath(home),
    `# R3MES app settings of this node (not consensus).\n# Minimum fee per gas unit for a tx to enter this node's mempool (CheckTx); "0uremes" accepts free txs.\nminimum-gas-prices = "${minGasPrice.text}"\n`,
  );

/** The node's minimum gas price (app.toml minimum-gas-prices); zero when the file or the key is absent. */
export const minGasPriceOf = (home: string) => {
  const file = appConfigPath(home);
  const text = fs.existsSync(file)
    ? readToml(fs.readFileSync(file, "utf8"), "", "minimum-gas-prices")
    : undefined;
  if (text === undefined || text === "") return ZERO_GAS_PRICE;
  const p = parseGasPrice(text);
  if (p instanceof Error) throw new Error(`${file}: minimum-gas-prices: ${p.message}`);
  return p;
};

const stamp = () => new Date().toISOString();

export interface RunningNode {
  /** Resolves with the exit code once the node has stopped (by `stop`, or because CometBFT or the app exited). */
  readonly exited: Promise<number>;
  /** Stops CometBFT, the socket and the database, in that order. */
  readonly stop: (why: string) => Promise<number>;
}

/**
 * How `r3mes node start` runs its app: a child process (`r3mes node app`)
 * with a small young generation (V8 keeps up to 3 × 16–32 MB of it resident
 * otherwise), garbage collection on the app's own thread (helper threads
 * would compete with CometBFT for the cores and keep malloc memory of
 * their own; measured: no loss of throughput), one malloc arena (glibc
 * gives every thread its own; the second held ~4 MB for ~0.4 MB in use) and
 * a fixed mmap threshold (glibc's adaptive one rises after a large buffer —
 * a state snapshot — is freed, and later ones then fragment the heap
 * for good), so the app's resident memory tracks its live state. The
 * benchmark spawns the app the same way.
 */
export const appProcess = (
  home: string,
  snapshotInterval: number,
  metrics?: string,
  rest?: string,
): { readonly command: string; readonly args: string[]; readonly env: NodeJS.ProcessEnv } => ({
  command: process.execPath,
  args: [
    "--max-semi-space-size=2",
    "--single-threaded-gc",
    path.join(projectRoot, "bin", "r3mes.js"),
    "node",
    "app",
    "--home",
    home,
    "--snapshot-interval",
    String(snapshotInterval),
    ...(metrics ? ["--metrics", metrics] : []),
    ...(rest ? ["--rest", rest] : []),
  ],
  env: {
    ...process.env,
    MALLOC_ARENA_MAX: "1",
    MALLOC_MMAP_THRESHOLD_: "131072",
    MALLOC_TRIM_THRESHOLD_: "131072",
  },
});

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * Garbage collection between blocks (after InitChain and Commit), in a
 * block without CheckTx traffic: V8's memory-reducing "last resort"
 * collection, which compacts and gives emptied pages back to the OS (at
 * 1,000,000 stored submissions: at most ~106 MB resident between blocks,
 * against 176 with V8's own collections alone), once the heap has grown
 * half again plus 32 MB past what the last collection left or the
 * process's resident set by 8 MB (16 MB kept it ~10 MB higher; a block's
 * txs, results and events live until its response is sent, so they outlive
 * the small young generation; much of them — tx bytes, hashes — is
 * off-heap, in buffers the heap figure does not count); and after
 * InitChain or a Commit that wrote a state snapshot (megabytes of buffers),
 * whatever the traffic. Each is followed
 * by glibc's malloc_trim (malloc-trim.ts), which gives back the free pages
 * inside malloc's heap that the collection's freed buffers left.
 *
 * While txs arrive (CheckTx since the previous Commit) none runs: V8's own
 * collections bound the heap under a flood, and one of ours there only
 * added a full collection (~5 µs per tx in bench:app, waves of 1,500; a
 * last-resort one ~15% of the node's throughput). The first quiet block
 * after a flood that grew the heap runs the last-resort one: a 10,000-tx
 * flood leaves the app at ~180 MB resident and 105 MB three blocks later.
 */
const RSS_GROWTH = 8 * 2 ** 20;

export interface CollectorProbes {
  /** V8's memory-reducing full collection. */
  readonly collect: () => void;
  readonly heapUsed: () => number;
  readonly rss: () => number;
}

/** The policy above over `probes` (tests give fakes): `sawTx` on each CheckTx, `afterBlock` after InitChain or Commit. */
export const collectorPolicy = (
  probes: CollectorProbes,
): { readonly afterBlock: (force: boolean) => void; readonly sawTx: () => void } => {
  let live = probes.heapUsed();
  let rss = probes.rss();
  /** CheckTx since the previous Commit. */
  let busy = false;
  /** The heap grew past the trigger during a flood: the next quiet block collects. */
  let owed = false;
  return {
    sawTx: () => {
      busy = true;
    },
    afterBlock: (force) => {
      const quiet = !busy;
      busy = false;
      if (!force && !quiet) {
        if (probes.heapUsed() >= live * 1.5 + 32 * 2 ** 20) owed = true;
        return;
      }
      const grown =
        probes.heapUsed() >= live * 1.5 + 32 * 2 ** 20 || probes.rss() >= rss + RSS_GROWTH;
      if (!force && !grown && !owed) return;
      probes.collect();
      owed = false;
      live = probes.heapUsed();
      rss = probes.rss();
    },
  };
};

const collector = () => {
  v8.setFlagsFromString("--expose-gc");
  const gc = vm.runInNewContext("gc") as (options: {
    type: "major";
    flavor?: "last-resort";
  }) => void;
  return collectorPolicy({
    collect: () => {
      gc({ type: "major", flavor: "last-resort" });
      mallocTrim();
    },
    heapUsed: () => v8.getHeapStatistics().used_heap_size,
    rss: () => process.memoryUsage.rss(),
  });
};

/**
 * The handler `r3mes node app` serves: the app's, with the collector
 * (above) after InitChain and Commit; an upgrade this binary lacks goes to
 * `halted()` when that gives a function (the block stays unanswered and the
 * app exits after the grace: see the header). bench/app.ts drives the same.
 */
export const appHandler = (
  app: RemesApp,
  halted: () => ((line: string) => Promise<never>) | undefined = () => undefined,
): AbciHandler => {
  const gc = collector();
  return (req, kind) => {
    let res;
    try {
      res = app.handle(req, kind);
    } catch (e) {
      const halt = halted();
      // An upgrade this binary lacks: the block stays unanswered and the app exits after the grace (startApp).
      if (e instanceof UpgradeNeededError && halt) return halt(e.message);
      // CometBFT gets an exception response (and stops on one to FinalizeBlock, Commit or ProcessProposal): the stack is only here.
      app.log(`app: ${kind} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      throw e;
    }
    if (kind === "checkTx") gc.sawTx();
    else if (kind === "commit" || kind === "initChain") {
      const force = kind === "initChain" || app.snapshotDue(app.height);
      setImmediate(() => gc.afterBlock(force));
    }
    return res;
  };
};

interface Logs {
  readonly dir: string;
  readonly log: (line: string) => void;
  readonly close: () => Promise<void>;
}

const openLogs = (home: string): Logs => {
  const dir = path.join(home, "logs");
  fs.mkdirSync(dir, { recursive: true });
  fs.mkdirSync(path.join(home, "data"), { recursive: true });
  const appLog = fs.createWriteStream(path.join(dir, "app.log"), { flags: "a" });
  return {
    dir,
    log: (line) => appLog.write(`${stamp()} ${line}\n`),
    close: () => new Promise((r) => appLog.end(r)),
  };
};

const nodeConfig = (home: string) => {
  const configPath = path.join(home, "config", "config.toml");
  if (!fs.existsSync(configPath))
    throw new Error(
      `${home} is not a node home (no config/config.toml); create one with 'r3mes node init --home ${home}'`,
    );
  const toml = fs.readFileSync(configPath, "utf8");
  return {
    proxyApp: readToml(toml, "", "proxy_app") ?? "tcp://127.0.0.1:26658",
    rpc: readToml(toml, "rpc", "laddr") ?? "",
  };
};

/** Stops a child process: SIGTERM, SIGKILL after 10 s. */
const stopChild = async (p: ChildProcess | undefined): Promise<void> => {
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise((r) => p.once("exit", r));
  p.kill("SIGTERM");
  const killer = setTimeout(() => p.kill("SIGKILL"), 10_000);
  await gone;
  clearTimeout(killer);
};

/**
 * A stop that runs once (later calls get the same promise): logs, `body`, closes the log, resolves `exited` with the
 * first caller's code — or with `override()` when that says one once `body` is done (an upgrade halt: the app's
 * message may come after CometBFT's exit started the stop).
 */
const stopsOnce = (
  logs: Logs,
  who: string,
  body: () => Promise<void>,
  override: () => number | undefined = () => undefined,
) => {
  let stopping: Promise<number> | undefined;
  let resolveExited: (code: number) => void = () => {};
  const exited = new Promise<number>((r) => (resolveExited = r));
  const stop = (why: string, code = 0): Promise<number> => {
    stopping ??= (async () => {
      logs.log(`${who}: stopping (${why})`);
      await body();
      const final = override() ?? code;
      logs.log(`${who}: stopped${final !== code ? ` (exit code ${final})` : ""}`);
      await logs.close();
      resolveExited(final);
      return final;
    })();
    return stopping;
  };
  return { exited, stop, stopping: () => stopping !== undefined };
};

export const startNode = (o: RunOptions): Promise<RunningNode> =>
  o.withCometbft ? startChain(o) : startApp(o);

/** The ABCI app in this process (`r3mes node app`). Under `node start` (an IPC channel to the parent), it reports when it listens and stops when the parent goes. */
const startApp = async (o: RunOptions): Promise<RunningNode> => {
  const { proxyApp, rpc } = nodeConfig(o.home);
  const rpcUrl = o.rest ? rpcUrlOf(o.rpc ?? rpc) : undefined;
  if (rpcUrl instanceof Error) throw new Error(`--rest needs the CometBFT RPC: ${rpcUrl.message}`);
  const logs = openLogs(o.home);
  const log = logs.log;
  const minGasPrice = minGasPriceOf(o.home);
  // prom-client is loaded only when asked for (the lean process stays lean without it).
  const metrics = o.metrics ? new (await import("./metrics.ts")).NodeMetrics() : undefined;
  const app = new RemesApp({
    dbPath: appDbPath(o.home),
    snapshotInterval: o.snapshotInterval,
    minGasPrice,
    log,
    beaconKey: consensusSecretKeyOf(o.home),
    metrics,
  });
  log(`app: minimum gas price ${minGasPrice.text} (${appConfigPath(o.home)})`);
  log(`app: signatures verified by ${secp256k1Description()}`);
  let halted: ((line: string) => Promise<never>) | undefined;
  const handle = appHandler(app, () => halted);
  const server = new AbciServer(handle, { address: proxyApp, log });
  try {
    await server.listen();
  } catch (e) {
    app.close();
    throw new Error(
      `cannot listen on ${proxyApp}: ${e instanceof Error ? e.message : String(e)}; is another node running?`,
    );
  }
  log(`abci: listening on ${proxyApp}`);
  let metricsServer: MetricsServer | undefined;
  if (metrics) {
    try {
      metricsServer = await serveMetrics(metrics, o.metrics!);
    } catch (e) {
      await server.close();
      app.close();
      throw new Error(
        `cannot serve metrics on ${o.metrics}: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    log(`metrics: ${metricsServer.url}`);
  }
  let restServer: RestServer | undefined;
  if (o.rest) {
    try {
      // Loaded only when asked for, as metrics are.
      const [{ serveRest }, { httpRpc }] = await Promise.all([
        import("./rest-http.ts"),
        import("./rest-rpc.ts"),
      ]);
      restServer = await serveRest(httpRpc(rpcUrl!), o.rest);
    } catch (e) {
      await metricsServer?.close();
      await server.close();
      app.close();
      throw new Error(
        `cannot serve REST on ${o.rest}: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    log(`rest: ${restServer.url} (CometBFT RPC ${rpcUrl})`);
  }
  const { exited, stop } = stopsOnce(logs, "app", async () => {
    await restServer?.close();
    await metricsServer?.close();
    await server.close();
    app.close();
  });
  if (process.send) {
    process.once("disconnect", () => void stop("the node process that started this app is gone"));
    process.send({ listening: proxyApp });
  }
  halted = (line) => {
    console.error(line);
    process.send?.({ upgradeNeeded: line });
    setTimeout(() => void stop(line, UPGRADE_HALT_EXIT_CODE), UPGRADE_HALT_GRACE_MS);
    return new Promise<never>(() => {}); // the block is never answered: halted
  };
  o.say(
    `r3mes node app: ABCI on ${proxyApp}${metricsServer ? `, metrics on ${metricsServer.url}` : ""}${restServer ? `, REST on ${restServer.url}` : ""} (start CometBFT with 'cometbft start --home ${o.home}'); log in ${logs.dir}/app.log; Ctrl-C stops`,
  );
  return { exited, stop };
};

/** `r3mes node start`: the app as a child process (appProcess), then CometBFT; either one exiting stops the other. */
const startChain = async (o: RunOptions): Promise<RunningNode> => {
  const { proxyApp, rpc } = nodeConfig(o.home);
  const logs = openLogs(o.home);
  const log = logs.log;
  const spec = appProcess(o.home, o.snapshotInterval, o.metrics, o.rest);
  const appOut = fs.openSync(path.join(logs.dir, "app.out"), "a");
  const app = spawn(spec.command, spec.args, {
    env: spec.env,
    stdio: ["ignore", appOut, appOut, "ipc"],
  });
  fs.closeSync(appOut);
  const ready = await new Promise<string | undefined>((resolve) => {
    app.once("message", () => resolve(undefined));
    app.once("exit", (code, signal) =>
      resolve(
        `the app exited (${signal ?? `code ${code}`}) before listening on ${proxyApp}; see ${path.join(logs.dir, "app.out")} and app.log`,
      ),
    );
  });
  if (ready !== undefined) {
    await logs.close();
    throw new Error(ready);
  }
  log(`node: app process ${app.pid} listening on ${proxyApp}`);
  let upgradeNeeded: string | undefined;
  app.on("message", (m: { upgradeNeeded?: string }) => {
    if (typeof m?.upgradeNeeded !== "string") return;
    upgradeNeeded = m.upgradeNeeded;
    log(`node: ${upgradeNeeded}`);
    o.say(upgradeNeeded);
  });

  let comet: ChildProcess | undefined;
  const { exited, stop, stopping } = stopsOnce(
    logs,
    "node",
    async () => {
      await stopChild(comet);
      await stopChild(app);
    },
    () => (upgradeNeeded !== undefined ? UPGRADE_HALT_EXIT_CODE : undefined),
  );
  app.on(
    "exit",
    (code, signal) =>
      void stop(
        `the app exited (${signal ?? `code ${code}`}); see ${path.join(logs.dir, "app.log")}`,
        stopping() ? 0 : 1,
      ),
  );
  const out = fs.openSync(path.join(logs.dir, "cometbft.log"), "a");
  comet = spawn(cometbftBinary(), ["start", "--home", o.home], { stdio: ["ignore", out, out] });
  fs.closeSync(out);
  comet.on(
    "exit",
    (code, signal) =>
      void stop(
        `cometbft exited (${signal ?? `code ${code}`}); see ${path.join(logs.dir, "cometbft.log")}`,
        stopping() ? 0 : 1,
      ),
  );
  o.say(
    `r3mes node: app on ${proxyApp}${o.metrics ? ` (metrics on ${o.metrics})` : ""}${o.rest ? ` (REST on ${o.rest})` : ""}, CometBFT RPC on ${rpc.replace(/^tcp:/, "http:")}; logs in ${logs.dir}; Ctrl-C stops`,
  );
  return { exited, stop };
};
