/**
 * The containers backend's status, faults and teardown (containers-up.ts
 * starts it): the same verbs as the process backend, on containers:
 * kill = SIGKILL the node's container; restart = restart it (started again
 * when killed); pause/resume = freeze/thaw its cgroup; partition = disconnect
 * it from the testnet's network (its processes keep running, no packet
 * reaches a peer, its published RPC goes dark with it), heal = connect it
 * again at the same address (its peers resolved its name once, at start, and
 * redial that address when their ping/pong timeout drops the dead
 * connection; it catches up); down = remove every container
 * labelled with the testnet, then its network, and check none is left.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import {
  addressOn,
  connectNetwork,
  containerState,
  containersLabelled,
  type ContainerState,
  disconnectNetwork,
  killContainer,
  networkExists,
  pauseContainer,
  removeContainer,
  removeNetwork,
  restartContainer,
  startContainer,
  unpauseContainer,
} from "./engine.ts";
import type { DownResult } from "./down.ts";
import type { Perturbation } from "./perturb.ts";
import { alive, listening, stopPid } from "./procs.ts";
import { logsDir, nodeByName, type TestnetState, writeState } from "./state.ts";
import { CONTAINERS_LABEL, containerName } from "./containers-up.ts";

/** Every container's state by its testnet name (val0, validator0, kubo). */
export const containerStates = async (s: TestnetState): Promise<Map<string, ContainerState>> => {
  const names = [
    ...s.nodes.map((n) => n.name),
    ...s.daemons.map((d) => d.name),
    ...(s.kubo ? ["kubo"] : []),
  ];
  return new Map(
    await Promise.all(
      names.map(async (n) => [n, await containerState(containerName(s, n))] as const),
    ),
  );
};

const netLog = (s: TestnetState, line: string) =>
  fs.appendFileSync(
    path.join(logsDir(s.dir), "network.log"),
    `${new Date().toISOString()} ${line}\n`,
  );

export const perturbContainers = async (
  s: TestnetState,
  what: Perturbation,
  name: string,
): Promise<string> => {
  const n = nodeByName(s, name);
  const c = containerName(s, n.name);
  const network = s.containers!.network;
  let msg: string;
  switch (what) {
    case "kill":
      if ((await containerState(c)) === "paused") await unpauseContainer(c);
      await killContainer(c);
      n.paused = false;
      msg = `${name}: killed (SIGKILL to container ${c})`;
      break;
    case "restart":
      if ((await containerState(c)) === "paused") await unpauseContainer(c);
      if ((await containerState(c)) === "running") await restartContainer(c);
      else await startContainer(c);
      n.paused = false;
      msg = `${name}: restarted (container ${c})`;
      break;
    case "pause":
      await pauseContainer(c);
      n.paused = true;
      msg = `${name}: paused (container ${c} frozen)`;
      break;
    case "resume":
      await unpauseContainer(c);
      n.paused = false;
      msg = `${name}: resumed (container ${c} thawed)`;
      break;
    case "partition":
      if (n.partitioned) return `${name}: already partitioned`;
      n.partitionedIp = await addressOn(network, c);
      await disconnectNetwork(network, c);
      n.partitioned = true;
      msg = `${name}: partitioned (containers: ${c} disconnected from network ${network}; its RPC is unreachable until healed)`;
      netLog(s, msg);
      break;
    case "heal":
      if (!n.partitioned) return `${name}: not partitioned`;
      await connectNetwork(network, c, n.partitionedIp);
      n.partitioned = false;
      msg = `${name}: partition healed (containers: ${c} connected to network ${network} again${n.partitionedIp ? ` at ${n.partitionedIp}` : ""})`;
      n.partitionedIp = undefined;
      netLog(s, msg);
      break;
  }
  writeState(s);
  return msg;
};

export const downContainers = async (
  s: TestnetState,
  o: { keep: boolean },
): Promise<DownResult> => {
  const network = s.containers!.network;
  let stopped = 0;
  if (alive(s.conductorPid)) {
    stopped++;
    await stopPid(s.conductorPid);
  }
  const names = await containersLabelled(CONTAINERS_LABEL, network);
  // Daemons first (they would log the nodes' going away), then nodes and Kubo.
  const daemons = new Set(s.daemons.map((d) => containerName(s, d.name)));
  for (const group of [names.filter((x) => daemons.has(x)), names.filter((x) => !daemons.has(x))]) {
    for (const c of group)
      if ((await containerState(c)) === "running" || (await containerState(c)) === "paused")
        stopped++;
    await Promise.all(group.map((c) => removeContainer(c)));
  }
  if (await networkExists(network)) await removeNetwork(network);
  const leftovers = [
    ...(await containersLabelled(CONTAINERS_LABEL, network)).map((c) => `container ${c}`),
    ...((await networkExists(network)) ? [`network ${network}`] : []),
  ];
  const ports = [
    ...s.nodes.flatMap((n) => [n.rpcPort, n.metricsPort, n.cometMetricsPort]),
    s.kubo?.api,
  ].filter((p): p is number => p !== undefined);
  const stillListening: number[] = [];
  for (const p of ports) if (await listening(p)) stillListening.push(p);
  if (o.keep) {
    s.conductorPid = undefined;
    writeState(s);
  } else fs.rmSync(s.dir, { recursive: true, force: true });
  return { stopped, stillListening, leftovers };
};
