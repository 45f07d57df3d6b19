/**
 * The containers backend's command lines, without an engine: a node waits
 * for its peers' container names and starts with the in-container ports;
 * a daemon reaches its node and Kubo by container name; everything else in
 * its arguments is the process backend's.
 */
import { describe, expect, it } from "vitest";
import { containerName, daemonArgsIn, IN, nodeScript } from "../../src/testnet/containers-up.ts";
import type { NodeEntry, TestnetState } from "../../src/testnet/state.ts";
import { daemonArgs } from "../../src/testnet/up.ts";

const node = (i: number): NodeEntry => ({
  name: `val${i}`,
  home: `/t/net/nodes/val${i}`,
  rpcPort: 40000 + i,
  p2pPort: IN.p2p,
  nodeId: `id${i}`,
  operator: `val${i}`,
  net: { p2pHost: `r3mes-testnet-abc-val${i}`, rpcHost: "127.0.0.1" },
});
const s: TestnetState = {
  version: 1,
  dir: "/t/net",
  chainId: "r3mes-testnet-abc",
  blockTimeMs: 500,
  trainMs: 500,
  worldSeed: "00",
  nodes: [0, 1, 2].map(node),
  daemons: [
    { name: "miner0", role: "miner", from: "miner0", node: "val1", lazySkipBps: 0 },
    { name: "validator0", role: "validator", from: "val0", node: "val0", lazySkipBps: 0 },
  ],
  kubo: { repo: "/t/net/kubo", api: 45001, gateway: 45002, swarm: 45003 },
  containers: { network: "r3mes-testnet-abc", image: "localhost/r3mes:latest" },
  startedAt: "2026-01-01T00:00:00Z",
};

describe("containers backend command lines", () => {
  it("names containers after the network", () => {
    expect(containerName(s, "val2")).toBe("r3mes-testnet-abc-val2");
  });

  it("a node waits for every peer's name, then runs node start with the in-container metrics port", () => {
    const script = nodeScript(s, s.nodes[0]!);
    expect(script).toContain(
      "for h in 'r3mes-testnet-abc-val1' 'r3mes-testnet-abc-val2'; do until getent hosts",
    );
    expect(script).not.toContain("'r3mes-testnet-abc-val0'");
    expect(script).toContain("rm -f '/t/net/nodes/val0/abci.sock'");
    expect(script).toMatch(
      /exec r3mes node start --home '\/t\/net\/nodes\/val0' --snapshot-interval 50 --metrics 0\.0\.0\.0:26660 >>'\/t\/net\/logs\/val0-node\.log' 2>&1$/,
    );
  });

  it("a daemon's RPC and store are container names; the rest is the process backend's", () => {
    const d = s.daemons[0]!;
    const inside = daemonArgsIn(s, d);
    const outside = daemonArgs(s, d);
    expect(inside[inside.indexOf("--rpc") + 1]).toBe("http://r3mes-testnet-abc-val1:26657");
    expect(inside[inside.indexOf("--store") + 1]).toBe("kubo:http://r3mes-testnet-abc-kubo:5001");
    expect(outside[outside.indexOf("--rpc") + 1]).toBe("http://127.0.0.1:40001");
    const changed = inside.flatMap((a, i) => (a === outside[i] ? [] : [i]));
    expect(changed.map((i) => outside[i - 1])).toEqual(["--rpc", "--store"]);
  });
});
