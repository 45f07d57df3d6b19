/**
 * `r3mes testnet down`: stops everything the testnet started, by the pids in
 * its state folder (daemons and the conductor first, then CometBFT, the
 * apps, Kubo), checks nothing is left listening on its ports, deletes the
 * network namespaces and links it made (netns mode) and checks none is left,
 * and removes the folder unless asked to keep it.
 */
import * as fs from "node:fs";
import { destroyNetns, listeningIn } from "./netns.ts";
import { alive, listening, stopPid } from "./procs.ts";
import { p2pHostOf, readState, writeState } from "./state.ts";

export interface DownResult {
  readonly stopped: number;
  /** Ports of the testnet still accepting connections afterwards (should be none). */
  readonly stillListening: number[];
  /** Namespaces or links of the testnet still present afterwards (should be none). */
  readonly leftovers: string[];
}

export const down = async (dir: string, o: { keep: boolean }): Promise<DownResult> => {
  const s = readState(dir);
  if (s.containers) return (await import("./containers-ops.ts")).downContainers(s, o);
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
  const ports: [string, number][] = [
    ...s.nodes.flatMap((n): [string, number][] =>
      n.net?.netns
        ? []
        : [
            [p2pHostOf(n), n.rpcPort],
            [p2pHostOf(n), n.p2pPort],
          ],
    ),
    ...(s.kubo
      ? [s.kubo.api, s.kubo.gateway, s.kubo.swarm].map((p): [string, number] => ["127.0.0.1", p])
      : []),
  ];
  const stillListening: number[] = [];
  for (const [host, p] of ports) if (await listening(p, host)) stillListening.push(p);
  // Inside a node's namespace nothing may listen either (its RPC and P2P ports).
  for (const n of s.nodes)
    if (n.net?.netns && listeningIn(n.net).length > 0) stillListening.push(n.rpcPort, n.p2pPort);
  const leftovers = s.network?.kind === "netns" ? await destroyNetns(s.network) : [];
  if (o.keep) {
    for (const n of s.nodes) n.appPid = n.cometPid = undefined;
    for (const d of s.daemons) d.pid = undefined;
    if (s.kubo) s.kubo.pid = undefined;
    s.conductorPid = undefined;
    writeState(s);
  } else {
    fs.rmSync(s.dir, { recursive: true, force: true });
  }
  return { stopped, stillListening, leftovers };
};
