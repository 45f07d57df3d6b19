/**
 * Faults on real processes: kill (SIGKILL the node's app and CometBFT),
 * restart (start them again; a running node is stopped first), pause and
 * resume (SIGSTOP/SIGCONT), and a network partition of one node, by the
 * testnet's network mechanism (netns.ts):
 * - netns: the node's port on the bridge goes down — its CometBFT keeps
 *   running and its RPC answers, but no packet passes between it and the
 *   rest; healing brings the port up and it catches up over the same links.
 * - loopback (the fallback without root or iproute2): the node's CometBFT is
 *   restarted listening on a fresh, unannounced P2P port with no persistent
 *   peers (and PEX off), so no connection to or from the rest can exist; its
 *   peers keep dialling the old port in vain. Healing restarts it on its own
 *   port with its peers, and it catches up by block sync.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { setNodeLink } from "./netns.ts";
import { freePort, killPid, signalPid, stopPid } from "./procs.ts";
import {
  logsDir,
  nodeByName,
  p2pHostOf,
  readState,
  type TestnetState,
  writeState,
} from "./state.ts";
import { peersOf, setP2pPort, setPeers, spawnComet, startNodeProcs } from "./up.ts";

export type Perturbation = "kill" | "restart" | "pause" | "resume" | "partition" | "heal";
export const perturbations: readonly Perturbation[] = [
  "kill",
  "restart",
  "pause",
  "resume",
  "partition",
  "heal",
];

const restartComet = async (s: TestnetState, name: string): Promise<void> => {
  const n = nodeByName(s, name);
  await stopPid(n.cometPid);
  n.cometPid = spawnComet(s, n);
};

/** Partitions and heals go to logs/network.log too (with the mechanism), beside the nodes' logs. */
const netLog = (s: TestnetState, line: string) =>
  fs.appendFileSync(
    path.join(logsDir(s.dir), "network.log"),
    `${new Date().toISOString()} ${line}\n`,
  );

export const perturb = async (dir: string, what: Perturbation, name: string): Promise<string> => {
  const s = readState(dir);
  if (s.containers) return (await import("./containers-ops.ts")).perturbContainers(s, what, name);
  const n = nodeByName(s, name);
  let msg: string;
  switch (what) {
    case "kill":
      await Promise.all([killPid(n.cometPid), killPid(n.appPid)]);
      n.paused = false;
      msg = `${name}: killed (SIGKILL to app ${n.appPid} and CometBFT ${n.cometPid})`;
      break;
    case "restart":
      await stopPid(n.cometPid);
      await stopPid(n.appPid);
      n.paused = false;
      await startNodeProcs(s, n);
      msg = `${name}: restarted (app ${n.appPid}, CometBFT ${n.cometPid})`;
      break;
    case "pause":
      signalPid(n.cometPid, "SIGSTOP");
      signalPid(n.appPid, "SIGSTOP");
      n.paused = true;
      msg = `${name}: paused (SIGSTOP)`;
      break;
    case "resume":
      signalPid(n.appPid, "SIGCONT");
      signalPid(n.cometPid, "SIGCONT");
      n.paused = false;
      msg = `${name}: resumed (SIGCONT)`;
      break;
    case "partition": {
      if (n.partitioned) return `${name}: already partitioned`;
      if (s.network?.kind === "netns") {
        setNodeLink(s.network, n.net!, "down");
        msg = `${name}: partitioned (netns: its link to the bridge in ${s.network.hub} is down; RPC still at ${n.net!.rpcHost})`;
      } else {
        setPeers(n.home, "");
        setP2pPort(n.home, p2pHostOf(n), await freePort());
        await restartComet(s, name);
        msg = `${name}: partitioned (loopback fallback: CometBFT restarted with no peers on an unannounced P2P port)`;
      }
      n.partitioned = true;
      netLog(s, msg);
      break;
    }
    case "heal":
      if (!n.partitioned) return `${name}: not partitioned`;
      if (s.network?.kind === "netns") {
        setNodeLink(s.network, n.net!, "up");
        msg = `${name}: partition healed (netns: its link to the bridge is up again)`;
      } else {
        setPeers(n.home, peersOf(s, n));
        setP2pPort(n.home, p2pHostOf(n), n.p2pPort);
        await restartComet(s, name);
        msg = `${name}: partition healed (loopback fallback: CometBFT restarted with its peers on ${p2pHostOf(n)}:${n.p2pPort})`;
      }
      n.partitioned = false;
      netLog(s, msg);
      break;
  }
  writeState(s);
  return msg;
};
