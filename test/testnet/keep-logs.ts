/** R3MES_KEEP_LOGS=DIR: copy a test testnet's logs (daemons, CometBFT, apps) there before it is taken down, to read after a failure. */
import * as fs from "node:fs";
import * as path from "node:path";
import { logsDir } from "../../src/testnet/state.ts";

export const keepLogs = (dir: string): void => {
  const to = process.env.R3MES_KEEP_LOGS;
  if (!to || !fs.existsSync(logsDir(dir))) return;
  const dest = path.join(to, path.basename(path.dirname(dir)));
  fs.cpSync(logsDir(dir), dest, { recursive: true });
  for (const node of fs.existsSync(path.join(dir, "nodes")) ? fs.readdirSync(path.join(dir, "nodes")) : []) {
    const app = path.join(dir, "nodes", node, "logs", "app.log");
    if (fs.existsSync(app)) fs.copyFileSync(app, path.join(dest, `${node}-app.log`));
  }
};
