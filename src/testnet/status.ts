/** `r3mes testnet status`: height, app hash and peers of every node, over RPC. */
import { describeContainers } from "./containers.ts";
import { describeNetwork } from "./netns.ts";
import { alive } from "./procs.ts";
import { metricsUrls, rpcUrl, type TestnetState } from "./state.ts";

export interface NodeStatus {
  readonly name: string;
  readonly rpc: string;
  readonly height: number | null;
  readonly app_hash: string | null;
  readonly peers: number | null;
  readonly catching_up: boolean | null;
  readonly state: "running" | "paused" | "partitioned" | "stopped" | "unreachable";
  /** Prometheus endpoints: the app's (r3mes_*) and CometBFT's (cometbft_*). */
  readonly metrics: { readonly app?: string; readonly cometbft?: string };
}

const getJson = async <T>(url: string): Promise<T | undefined> => {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(1500) });
    return ((await r.json()) as { result: T }).result;
  } catch {
    return undefined;
  }
};

/** Whether each container runs (containers backend), by testnet name; undefined for processes. */
export const backendStates = async (
  s: TestnetState,
): Promise<ReadonlyMap<string, string> | undefined> =>
  s.containers ? (await import("./containers-ops.ts")).containerStates(s) : undefined;

const runningIn = (states: ReadonlyMap<string, string>, name: string) =>
  states.get(name) === "running" || states.get(name) === "paused";

export const nodeStatuses = async (s: TestnetState): Promise<NodeStatus[]> => {
  const states = await backendStates(s);
  return Promise.all(
    s.nodes.map(async (n) => {
      const rpc = rpcUrl(n);
      const st = n.paused
        ? undefined
        : await getJson<{
            sync_info: {
              latest_block_height: string;
              latest_app_hash: string;
              catching_up: boolean;
            };
          }>(`${rpc}/status`);
      const net = st ? await getJson<{ n_peers: string }>(`${rpc}/net_info`) : undefined;
      const running = states ? runningIn(states, n.name) : alive(n.cometPid) && alive(n.appPid);
      return {
        name: n.name,
        rpc,
        height: st ? Number(st.sync_info.latest_block_height) : null,
        app_hash: st ? st.sync_info.latest_app_hash : null,
        peers: net ? Number(net.n_peers) : null,
        catching_up: st ? st.sync_info.catching_up : null,
        metrics: metricsUrls(n),
        state: !running
          ? "stopped"
          : n.paused
            ? "paused"
            : n.partitioned
              ? "partitioned"
              : st
                ? "running"
                : "unreachable",
      };
    }),
  );
};

export const formatStatus = (
  s: TestnetState,
  nodes: readonly NodeStatus[],
  states?: ReadonlyMap<string, string>,
): string => {
  const up = (name: string, pid: number | undefined) =>
    states ? runningIn(states, name) : alive(pid);
  const lines = [
    `testnet ${s.chainId} (${s.dir})`,
    `  network: ${s.containers ? describeContainers(s.containers) : describeNetwork(s.network)}`,
  ];
  for (const n of nodes)
    lines.push(
      `  ${n.name.padEnd(6)} ${n.state.padEnd(11)} height ${String(n.height ?? "-").padStart(6)}  peers ${String(n.peers ?? "-").padStart(2)}  app hash ${n.app_hash ?? "-"}  ${n.rpc}`,
    );
  for (const n of nodes)
    if (n.metrics.app || n.metrics.cometbft)
      lines.push(
        `  ${n.name.padEnd(6)} metrics: app ${n.metrics.app ?? "-"}  cometbft ${n.metrics.cometbft ?? "-"}`,
      );
  for (const d of s.daemons)
    lines.push(
      `  ${d.name.padEnd(12)} ${up(d.name, d.pid) ? "running" : "stopped"}  ${d.role}${d.lazySkipBps > 0 ? " (lazy)" : ""} → ${d.node}`,
    );
  if (s.kubo)
    lines.push(
      `  kubo         ${up("kubo", s.kubo.pid) ? "running" : "stopped"}  API http://127.0.0.1:${s.kubo.api}`,
    );
  return lines.join("\n");
};
