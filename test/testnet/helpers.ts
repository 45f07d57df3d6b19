/** Helpers of the testnet integration tests. */
import * as fs from "node:fs";
import * as path from "node:path";
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
