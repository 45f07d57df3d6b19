/**
 * Processes the testnet starts: detached (they outlive `r3mes testnet up`),
 * output appended to a log file, and known afterwards only by the pid kept
 * in the state folder. Stopping is by pid: SIGTERM, then SIGKILL after a
 * grace period.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { projectRoot } from "../node/tools.ts";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const alive = (pid: number | undefined): boolean => {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (exited, not yet reaped by its parent) counts as gone.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true;
  }
};

export const spawnDetached = (
  cmd: string,
  args: readonly string[],
  logFile: string,
  env: NodeJS.ProcessEnv = process.env,
): number => {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const out = fs.openSync(logFile, "a");
  const p = spawn(cmd, args, {
    cwd: projectRoot,
    env,
    stdio: ["ignore", out, out],
    detached: true,
  });
  fs.closeSync(out);
  p.unref();
  if (!p.pid) throw new Error(`could not start ${cmd}`);
  return p.pid;
};

/** `r3mes ARGS` as a detached process (the same Node and tsx loader as this one). */
export const spawnR3mes = (args: readonly string[], logFile: string): number =>
  spawnDetached(process.execPath, [path.join(projectRoot, "bin/r3mes.js"), ...args], logFile);

export const stopPid = async (pid: number | undefined, graceMs = 10_000): Promise<void> => {
  if (!alive(pid)) return;
  try {
    process.kill(pid!, "SIGCONT"); // a paused process can not handle SIGTERM
    process.kill(pid!, "SIGTERM");
  } catch {
    return;
  }
  const until = Date.now() + graceMs;
  while (alive(pid) && Date.now() < until) await sleep(50);
  if (alive(pid)) {
    try {
      process.kill(pid!, "SIGKILL");
    } catch {
      // gone
    }
    while (alive(pid)) await sleep(20);
  }
};

export const killPid = async (pid: number | undefined): Promise<void> => {
  if (!alive(pid)) return;
  try {
    process.kill(pid!, "SIGKILL");
  } catch {
    return;
  }
  while (alive(pid)) await sleep(20);
};

export const signalPid = (pid: number | undefined, sig: "SIGSTOP" | "SIGCONT"): void => {
  if (alive(pid)) process.kill(pid!, sig);
};

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });

/** Distinct free loopback ports (the OS hands out each once while we hold them all). */
export const freePorts = async (n: number): Promise<number[]> => {
  const servers: net.Server[] = [];
  const ports: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = net.createServer();
    await new Promise<void>((r, j) => {
      s.once("error", j);
      s.listen(0, "127.0.0.1", () => r());
    });
    servers.push(s);
    ports.push((s.address() as net.AddressInfo).port);
  }
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
};

/** Whether something listens on host:port (default 127.0.0.1). */
export const listening = (port: number, host = "127.0.0.1"): Promise<boolean> =>
  new Promise((resolve) => {
    const c = net.connect({ host, port, timeout: 2000 });
    c.once("timeout", () => {
      c.destroy();
      resolve(false);
    });
    c.once("connect", () => {
      c.destroy();
      resolve(true);
    });
    c.once("error", () => resolve(false));
  });
