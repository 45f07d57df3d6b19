/** Helpers of the testnet integration tests. */
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeEach } from "vitest";
import { sleep } from "../../src/testnet/procs.ts";
import { logsDir } from "../../src/testnet/state.ts";

/** Polls `ok` every 250 ms; fails naming what it waited for and where the testnet's logs are. */
export const waitFor = async (
  dir: string,
  what: string,
  ok: () => Promise<boolean> | boolean,
  timeoutMs: number,
): Promise<void> => {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await ok()) return;
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}; logs in ${logsDir(dir)}`);
};

/** R3MES_KEEP_LOGS=DIR: copy a test testnet's logs (daemons, CometBFT, apps) there before it is taken down, to read after a failure. */
export const keepLogs = (dir: string): void => {
  const to = process.env.R3MES_KEEP_LOGS;
  if (!to || !fs.existsSync(logsDir(dir))) return;
  const dest = path.join(to, path.basename(path.dirname(dir)));
  fs.cpSync(logsDir(dir), dest, { recursive: true });
  for (const node of fs.existsSync(path.join(dir, "nodes"))
    ? fs.readdirSync(path.join(dir, "nodes"))
    : []) {
    const app = path.join(dir, "nodes", node, "logs", "app.log");
    if (fs.existsSync(app)) fs.copyFileSync(app, path.join(dest, `${node}-app.log`));
  }
};

/** The last lines of a test testnet's node, conductor and network logs, for a failure message (CI shows only the output's tail). */
export const logTails = (dir: string, lines = 6): string => {
  const files = [
    ...(fs.existsSync(logsDir(dir)) ? fs.readdirSync(logsDir(dir)) : [])
      .filter((f) => /^(val\d+-cometbft\.log|val\d+-app\.out|conductor\.log|network\.log)$/.test(f))
      .map((f) => path.join(logsDir(dir), f)),
    ...(fs.existsSync(path.join(dir, "nodes")) ? fs.readdirSync(path.join(dir, "nodes")) : []).map(
      (n) => path.join(dir, "nodes", n, "logs", "app.log"),
    ),
  ].filter((f) => fs.existsSync(f));
  return files
    .sort()
    .map((f) => {
      const all = fs.readFileSync(f, "utf8").trimEnd().split("\n");
      const tail = all.slice(-lines).map((l) => l.slice(0, 240));
      return `--- ${path.relative(dir, f)} (last ${tail.length} of ${all.length} lines)\n${tail.join("\n")}`;
    })
    .join("\n");
};

/**
 * Prints the testnet's log tails when a test of this file fails: CI keeps
 * only the output, and a node that died (an app's stack trace in its .out,
 * CometBFT's last words) is otherwise lost with the machine.
 */
export const logTailsOnFailure = (dir: string, lines = 25): void => {
  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => console.log(`testnet logs at the failure:\n${logTails(dir, lines)}`));
  });
};
