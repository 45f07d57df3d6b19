/**
 * `r3mes testnet down`: stops everything the testnet started, by the pids in
 * its state folder (daemons and the conductor first, then CometBFT, the
 * apps, Kubo), checks nothing is left listening on its ports, and removes
 * the folder unless asked to keep it.
 */
import * as fs from "node:fs";
import { alive, listening, stopPid } from "./procs.ts";
import { readState, writeState } from "./state.ts";

export interface DownResult {
  readonly stopped: number;
  /** Ports of the testnet still accepting connections afterwards (should be none). */
  readonly stillListening: number[];
}

export const down = async (dir: string, o: { keep: boolean }): Promise<DownResult> => {
  const s = readState(dir);
  let stopped = 0;
  const stop = async (pids: (number | undefined)[]) => {
    const live = pids.filter((p) => alive(p));
    stopped += live.length;
    await Promise.all(live.map((p) => stopPid(p)));
  };
  await stop([s.conductorPid, ...s.daemons.map((d) => d.pid)]);
  await stop(s.nodes.map((n) => n.cometPid));
  await stop(s.nodes.map((n) => n.appPid));
  await stop([s.kubo?.pid]);
  const ports = [...s.nodes.flatMap((n) => [n.rpcPort, n.p2pPort]), ...(s.kubo ? [s.kubo.api, s.kubo.gateway, s.kubo.swarm] : [])];
  const stillListening: number[] = [];
  for (const p of ports) if (await listening(p)) stillListening.push(p);
  if (o.keep) {
    for (const n of s.nodes) n.appPid = n.cometPid = undefined;
    for (const d of s.daemons) d.pid = undefined;
    if (s.kubo) s.kubo.pid = undefined;
    s.conductorPid = undefined;
    writeState(s);
  } else {
    fs.rmSync(s.dir, { recursive: true, force: true });
  }
  return { stopped, stillListening };
};
