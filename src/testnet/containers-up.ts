/**
 * `r3mes testnet up --backend containers`: the same testnet as the process
 * backend (createTestnet: keys, genesis, CometBFT homes, Kubo repo), run in
 * containers of the project's image (src/image) on one engine network:
 * - a container per validator node running `r3mes node start` (app and
 *   CometBFT); its peers are the other nodes' containers by name on the
 *   network, its RPC and metrics are published on host ports (the state's
 *   rpcPort, metricsPort, cometMetricsPort), so `status`, `check` and the
 *   tests reach it as they reach a process node;
 * - a container for Kubo (when the testnet has it) and one per role daemon,
 *   which reach the node and Kubo by container name.
 * Every container bind-mounts the testnet folder at the same path (homes,
 * keyring, logs: `testnet logs` reads them as before) and carries the label
 * r3mes.testnet=NETWORK, which `down` removes them by.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ensureImage, IMAGE } from "../image/build.ts";
import { IMAGE_USER } from "../image/containerfile.ts";
import { setToml } from "../node/home.ts";
import { apiUrlOf } from "../store/kubo-daemon.ts";
import { type ContainerSpec, createNetwork, startContainers } from "./engine.ts";
import { spawnR3mes } from "./procs.ts";
import {
  type DaemonEntry,
  logsDir,
  type NodeEntry,
  readState,
  rpcUrl,
  snapshotIntervalOf,
  type TestnetState,
  writeState,
} from "./state.ts";
import {
  createTestnet,
  daemonArgs,
  peersOf,
  setPeers,
  type UpOptions,
  type UpResult,
  waitForHeight,
} from "./up.ts";

/** Ports inside a node's container (the same in every one: each has its own address). */
export const IN = { p2p: 26656, rpc: 26657, appMetrics: 26660, cometMetrics: 26661 } as const;
export const KUBO_IN = { api: 5001, gateway: 8080, swarm: 4001 } as const;
export const CONTAINERS_LABEL = "r3mes.testnet";

export const containerName = (s: TestnetState, name: string): string =>
  `${s.containers!.network}-${name}`;

const sq = (x: string) => `'${x.replaceAll("'", `'\\''`)}'`;

/** The node's shell line: wait until its peers' names resolve (CometBFT refuses unresolvable peers), then start. */
export const nodeScript = (s: TestnetState, n: NodeEntry): string => {
  const peers = s.nodes.filter((x) => x.name !== n.name).map((x) => containerName(s, x.name));
  const log = path.join(logsDir(s.dir), `${n.name}-node.log`);
  return [
    `for h in ${peers.map(sq).join(" ")}; do until getent hosts "$h" >/dev/null; do sleep 0.2; done; done`,
    `rm -f ${sq(path.join(n.home, "abci.sock"))}`,
    `exec r3mes node start --home ${sq(n.home)} --snapshot-interval ${snapshotIntervalOf(s)} --metrics 0.0.0.0:${IN.appMetrics} >>${sq(log)} 2>&1`,
  ].join("; ");
};

/** A daemon's arguments with the node's and Kubo's addresses as seen from inside the network. */
export const daemonArgsIn = (s: TestnetState, d: DaemonEntry): string[] => {
  const node = s.nodes.find((n) => n.name === d.node)!;
  return daemonArgs(s, d).map((a) =>
    a === rpcUrl(node)
      ? `http://${containerName(s, node.name)}:${IN.rpc}`
      : s.kubo && a === `kubo:${apiUrlOf(s.kubo)}`
        ? `kubo:http://${containerName(s, "kubo")}:${KUBO_IN.api}`
        : a,
  );
};

const editConfig = (home: string, edits: readonly [string, string, string][]) => {
  const file = path.join(home, "config", "config.toml");
  let t = fs.readFileSync(file, "utf8");
  for (const [section, key, value] of edits) t = setToml(t, section, key, value);
  fs.writeFileSync(file, t);
};

/** Kubo listens on every address of its container (the host reaches its API through a published port). */
const kuboInContainer = (repo: string) => {
  const file = path.join(repo, "config");
  const cfg = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, Record<string, unknown>>;
  cfg.Addresses = {
    ...cfg.Addresses,
    API: `/ip4/0.0.0.0/tcp/${KUBO_IN.api}`,
    Gateway: `/ip4/0.0.0.0/tcp/${KUBO_IN.gateway}`,
    Swarm: [`/ip4/0.0.0.0/tcp/${KUBO_IN.swarm}`],
  };
  fs.writeFileSync(file, `${JSON.stringify(cfg, null, 2)}\n`);
};

const chownTree = (p: string, uid: number) => {
  fs.lchownSync(p, uid, uid);
  if (fs.lstatSync(p).isDirectory())
    for (const f of fs.readdirSync(p)) chownTree(path.join(p, f), uid);
};

/** Creates the testnet (as the process backend does) and starts it in containers; on failure removes what it started. */
export const upContainers = async (
  o: UpOptions & { readonly scenario?: string },
): Promise<UpResult> => {
  const t0 = Date.now();
  ensureImage(o.say);
  const created = await createTestnet({ ...o, network: "loopback" });
  const network = created.chainId;
  // Each node listens on every address of its own container; peers by container name.
  const s: TestnetState = {
    ...created,
    network: undefined,
    containers: { network, image: IMAGE },
    nodes: created.nodes.map((n) => ({
      ...n,
      p2pPort: IN.p2p,
      net: { p2pHost: `${network}-${n.name}`, rpcHost: "127.0.0.1" },
    })),
  };
  for (const n of s.nodes) {
    editConfig(n.home, [
      ["rpc", "laddr", JSON.stringify(`tcp://0.0.0.0:${IN.rpc}`)],
      ["p2p", "laddr", JSON.stringify(`tcp://0.0.0.0:${IN.p2p}`)],
      ["instrumentation", "prometheus_listen_addr", JSON.stringify(`0.0.0.0:${IN.cometMetrics}`)],
    ]);
    setPeers(n.home, peersOf(s, n));
  }
  if (s.kubo) kuboInContainer(s.kubo.repo);
  // The image's user owns the bind-mounted folder; without root here, the containers run as this user instead.
  const root = process.getuid?.() === 0;
  if (root) chownTree(s.dir, IMAGE_USER.uid);
  const user = root ? undefined : `${process.getuid?.()}:${process.getgid?.()}`;
  writeState(s);
  o.say(
    `testnet ${s.chainId} in ${s.dir}: ${o.validators} validators, ${o.miners} miners (${o.lazy} lazy), ${o.proposers} proposers`,
  );
  o.say(`containers: image ${IMAGE}, network ${network}`);
  const labels = { [CONTAINERS_LABEL]: network };
  const spec = (
    name: string,
    script: string,
    ports: ContainerSpec["ports"],
    env?: Record<string, string>,
  ): ContainerSpec => ({
    name: containerName(s, name),
    image: IMAGE,
    entrypoint: ["sh", "-c"],
    command: [script],
    bind: s.dir,
    network,
    ports,
    labels,
    ...(env ? { env } : {}),
    ...(user ? { user } : {}),
  });
  try {
    await createNetwork(network, labels);
    await startContainers([
      ...(s.kubo
        ? [
            spec(
              "kubo",
              `exec ipfs daemon --migrate=false >>${sq(path.join(logsDir(s.dir), "kubo.log"))} 2>&1`,
              [{ container: KUBO_IN.api, host: s.kubo.api }],
              { IPFS_PATH: s.kubo.repo },
            ),
          ]
        : []),
      ...s.nodes.map((n) =>
        spec(n.name, nodeScript(s, n), [
          { container: IN.rpc, host: n.rpcPort },
          ...(n.metricsPort ? [{ container: IN.appMetrics, host: n.metricsPort }] : []),
          ...(n.cometMetricsPort ? [{ container: IN.cometMetrics, host: n.cometMetricsPort }] : []),
        ]),
      ),
    ]);
    if (s.kubo) o.say(`kubo: API ${apiUrlOf(s.kubo)} (container ${containerName(s, "kubo")})`);
    await waitForHeight(s.nodes.map(rpcUrl), 1, 180_000);
    const firstBlockMs = Date.now() - t0;
    o.say(`first block on every node after ${(firstBlockMs / 1000).toFixed(1)} s`);
    await startContainers(
      s.daemons.map((d) =>
        spec(
          d.name,
          `exec r3mes ${daemonArgsIn(s, d).map(sq).join(" ")} >>${sq(path.join(logsDir(s.dir), `${d.name}.log`))} 2>&1`,
          [],
        ),
      ),
    );
    if (o.scenario)
      s.conductorPid = spawnR3mes(
        ["testnet", "conduct", "--dir", s.dir, "--scenario", path.resolve(o.scenario)],
        path.join(logsDir(s.dir), "conductor.log"),
      );
    writeState(s);
    for (const n of s.nodes)
      o.say(
        `  ${n.name}: RPC ${rpcUrl(n)}  P2P ${n.net!.p2pHost}:${n.p2pPort} (container)  home ${n.home}`,
      );
    o.say(`  daemons: ${s.daemons.map((d) => d.name).join(", ")} (logs in ${logsDir(s.dir)})`);
    o.say(`status: r3mes testnet status --dir ${o.dir}   stop: r3mes testnet down --dir ${o.dir}`);
    return { state: readState(s.dir), firstBlockMs };
  } catch (e) {
    const { downContainers } = await import("./containers-ops.ts");
    await downContainers(s, { keep: true });
    throw e;
  }
};
