/**
 * Faults on real processes: kill (SIGKILL the node's app and CometBFT),
 * restart (start them again; a running node is stopped first), pause and
 * resume (SIGSTOP/SIGCONT), and a network partition of one node. The
 * partition is real, without root or iptables: the node's CometBFT is
 * restarted listening on a fresh, unannounced P2P port with no persistent
 * peers (and PEX off), so no connection to or from the rest can exist; its
 * peers keep dialling the old port in vain. Healing restarts it on its own
 * port with its peers, and it catches up by block sync.
 */
import { cometbftBinary } from "../node/tools.ts";
import * as path from "node:path";
import { freePort, killPid, signalPid, spawnDetached, stopPid } from "./procs.ts";
import { nodeByName, logsDir, readState, type TestnetState, writeState } from "./state.ts";
import { peersOf, setP2pPort, setPeers, startNodeProcs } from "./up.ts";

export type Perturbation = "kill" | "restart" | "pause" | "resume" | "partition" | "heal";
export const perturbations: readonly Perturbation[] = ["kill", "restart", "pause", "resume", "partition", "heal"];

const restartComet = async (s: TestnetState, name: string): Promise<void> => {
  const n = nodeByName(s, name);
  await stopPid(n.cometPid);
  n.cometPid = spawnDetached(cometbftBinary(), ["start", "--home", n.home], path.join(logsDir(s.dir), `${n.name}-cometbft.log`));
};

export const perturb = async (dir: string, what: Perturbation, name: string): Promise<string> => {
  const s = readState(dir);
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
      setPeers(n.home, "");
      setP2pPort(n.home, await freePort());
      n.partitioned = true;
      await restartComet(s, name);
      msg = `${name}: partitioned from the other nodes (no peers, P2P moved to an unannounced port)`;
      break;
    }
    case "heal":
      if (!n.partitioned) return `${name}: not partitioned`;
      setPeers(n.home, peersOf(s, n));
      setP2pPort(n.home, n.p2pPort);
      n.partitioned = false;
      await restartComet(s, name);
      msg = `${name}: partition healed (peers restored on 127.0.0.1:${n.p2pPort})`;
      break;
  }
  writeState(s);
  return msg;
};
