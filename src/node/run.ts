/**
 * `r3mes node start` / `r3mes node app`: the ABCI app (and CometBFT as a
 * child process) with logs in HOME/logs, stopped cleanly on SIGINT/SIGTERM:
 * CometBFT first (it stops calling the app), then the socket, then the
 * database.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { RemesApp } from "./app.ts";
import { readToml } from "./toml.ts";
import { parseGasPrice, ZERO_GAS_PRICE } from "./tx.ts";
import { AbciServer } from "./server.ts";
import { cometbftBinary } from "./tools.ts";

export interface RunOptions {
  readonly home: string;
  /** false: serve ABCI only (CometBFT started separately). */
  readonly withCometbft: boolean;
  readonly snapshotInterval: number;
  /** Where progress lines go (the CLI prints them). */
  readonly say: (line: string) => void;
}

export const appDbPath = (home: string): string => path.join(home, "data", "r3mes-app.db");

/** HOME/config/app.toml: the app's own node-local settings (written by `r3mes node init`; optional). */
export const appConfigPath = (home: string): string => path.join(home, "config", "app.toml");

/** The node's minimum gas price (app.toml minimum-gas-prices); zero when the file or the key is absent. */
export const minGasPriceOf = (home: string) => {
  const file = appConfigPath(home);
  const text = fs.existsSync(file) ? readToml(fs.readFileSync(file, "utf8"), "", "minimum-gas-prices") : undefined;
  if (text === undefined || text === "") return ZERO_GAS_PRICE;
  const p = parseGasPrice(text);
  if (p instanceof Error) throw new Error(`${file}: minimum-gas-prices: ${p.message}`);
  return p;
};

const stamp = () => new Date().toISOString();

export interface RunningNode {
  /** Resolves with the exit code once the node has stopped (by `stop` or because CometBFT exited). */
  readonly exited: Promise<number>;
  /** Stops CometBFT, the socket and the database, in that order. */
  readonly stop: (why: string) => Promise<number>;
}

export const startNode = async (o: RunOptions): Promise<RunningNode> => {
  const configPath = path.join(o.home, "config", "config.toml");
  if (!fs.existsSync(configPath)) throw new Error(`${o.home} is not a node home (no config/config.toml); create one with 'r3mes node init --home ${o.home}'`);
  const toml = fs.readFileSync(configPath, "utf8");
  const proxyApp = readToml(toml, "", "proxy_app") ?? "tcp://127.0.0.1:26658";
  const rpc = readToml(toml, "rpc", "laddr") ?? "";
  const logs = path.join(o.home, "logs");
  fs.mkdirSync(logs, { recursive: true });
  fs.mkdirSync(path.join(o.home, "data"), { recursive: true });
  const appLog = fs.createWriteStream(path.join(logs, "app.log"), { flags: "a" });
  const log = (line: string) => appLog.write(`${stamp()} ${line}\n`);

  const minGasPrice = minGasPriceOf(o.home);
  const app = new RemesApp({ dbPath: appDbPath(o.home), snapshotInterval: o.snapshotInterval, minGasPrice, log });
  log(`app: minimum gas price ${minGasPrice.text} (${appConfigPath(o.home)})`);
  const server = new AbciServer(app.handle, { address: proxyApp, log });
  try {
    await server.listen();
  } catch (e) {
    app.close();
    throw new Error(`cannot listen on ${proxyApp}: ${e instanceof Error ? e.message : String(e)}; is another node running?`);
  }
  log(`abci: listening on ${proxyApp}`);

  let comet: ChildProcess | undefined;
  let stopping: Promise<number> | undefined;
  let resolveExited: (code: number) => void = () => {};
  const exited = new Promise<number>((r) => (resolveExited = r));
  const stop = (why: string, code = 0): Promise<number> => {
    stopping ??= (async () => {
      log(`node: stopping (${why})`);
      if (comet && comet.exitCode === null && comet.signalCode === null) {
        const gone = new Promise((r) => comet!.once("exit", r));
        comet.kill("SIGTERM");
        const killer = setTimeout(() => comet?.kill("SIGKILL"), 10_000);
        await gone;
        clearTimeout(killer);
      }
      await server.close();
      app.close();
      log("node: stopped");
      await new Promise((r) => appLog.end(r));
      resolveExited(code);
      return code;
    })();
    return stopping;
  };
  if (o.withCometbft) {
    const out = fs.openSync(path.join(logs, "cometbft.log"), "a");
    comet = spawn(cometbftBinary(), ["start", "--home", o.home], { stdio: ["ignore", out, out] });
    fs.closeSync(out);
    comet.on("exit", (code, signal) => void stop(`cometbft exited (${signal ?? `code ${code}`}); see ${path.join(logs, "cometbft.log")}`, stopping ? 0 : 1));
  }
  o.say(o.withCometbft
    ? `r3mes node: app on ${proxyApp}, CometBFT RPC on ${rpc.replace(/^tcp:/, "http:")}; logs in ${logs}; Ctrl-C stops`
    : `r3mes node app: ABCI on ${proxyApp} (start CometBFT with 'cometbft start --home ${o.home}'); log in ${logs}/app.log; Ctrl-C stops`);
  return { exited, stop };
};
