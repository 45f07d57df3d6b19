/**
 * The testnet's network: where each validator's CometBFT listens, and how a
 * partition cuts it off.
 *
 * - **netns** (as root, with iproute2): each CometBFT runs in its own network
 *   namespace (`r3mes-ID-valN`) with two links. Its P2P link is a veth pair
 *   to a bridge that lives in a hub namespace of its own (`r3mes-ID-hub`, so
 *   the host's firewall never sees the validators' traffic), on 10.77.0.0/24.
 *   Its RPC link is a veth pair to the host (`r3-ID-rN`), a /30 of a 10.x.y/24
 *   picked so it clashes with no address or route of the host; the node's
 *   namespace has no other route, so nothing but the host reaches the RPC and
 *   no P2P traffic can detour through the host. A partition sets the node's
 *   port on the bridge down: no packet passes between it and the rest while
 *   its RPC still answers. Healing sets it up again.
 * - **loopback** (the fallback when namespaces can not be made): every node
 *   on 127.0.0.1; a partition restarts CometBFT with no peers on an
 *   unannounced P2P port (see perturb.ts).
 *
 * Everything netns mode creates is named after the testnet's ID, and `down`
 * deletes it all and checks that nothing with that ID is left.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { sleep } from "./procs.ts";

export type NetworkChoice = "auto" | "netns" | "loopback";
export const networkChoices: readonly NetworkChoice[] = ["auto", "netns", "loopback"];

export type TestnetNetwork =
  | {
      readonly kind: "netns";
      readonly id: string;
      readonly hub: string;
      readonly rpcSubnet: string;
    }
  | { readonly kind: "loopback"; readonly reason: string };

/** Where one node listens, and its netns links (netns mode only). */
export interface NodeNet {
  readonly p2pHost: string;
  readonly rpcHost: string;
  readonly netns?: string;
  /** The node's port on the hub's bridge: down = partitioned. */
  readonly hubLink?: string;
  /** Host side of the node's RPC link. */
  readonly hostLink?: string;
}

const P2P_SUBNET = "10.77.0";
const BRIDGE = "br0";
const MAX_NODES = 60;

const ipBinary = (): string | undefined =>
  ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].find((p) => fs.existsSync(p)) ??
  (process.env.PATH ?? "")
    .split(":")
    .map((d) => path.join(d, "ip"))
    .find((p) => fs.existsSync(p));

const ip = (...args: string[]): string =>
  execFileSync(ipBinary() ?? "ip", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

const tryIp = (...args: string[]): string | undefined => {
  try {
    return ip(...args);
  } catch {
    return undefined;
  }
};

const why = (e: unknown): string => {
  const err = e as { stderr?: string; message?: string };
  return (err.stderr?.trim() || err.message || String(e)).split("\n")[0]!;
};

/** true when this process can make network namespaces and veth pairs; otherwise why not. */
export const probeNetns = (): true | string => {
  if (process.platform !== "linux")
    return `network namespaces are Linux-only (this is ${process.platform})`;
  if (typeof process.getuid === "function" && process.getuid() !== 0)
    return "network namespaces need root (this process is not root)";
  if (!ipBinary()) return "the ip command (iproute2) is not installed";
  const ns = `r3mes-probe-${process.pid}`;
  try {
    ip("netns", "add", ns);
    ip("-n", ns, "link", "add", "name", "va", "type", "veth", "peer", "name", "vb");
    ip("-n", ns, "link", "add", "name", "br", "type", "bridge");
    return true;
  } catch (e) {
    return `could not make a network namespace with a veth pair and a bridge (${why(e)})`;
  } finally {
    tryIp("netns", "del", ns);
  }
};

/** Decides the network of a new testnet: netns where it works (or is demanded), else loopback with the reason. */
export const chooseNetwork = (choice: NetworkChoice, nodes: number): TestnetNetwork => {
  if (choice === "loopback")
    return { kind: "loopback", reason: "asked for with --network loopback" };
  const ok =
    nodes > MAX_NODES ? `netns mode addresses at most ${MAX_NODES} validators` : probeNetns();
  if (ok !== true) {
    if (choice === "netns") throw new Error(`--network netns: ${ok}`);
    return { kind: "loopback", reason: ok };
  }
  const id = randomBytes(2).toString("hex");
  return { kind: "netns", id, hub: `r3mes-${id}-hub`, rpcSubnet: freeSubnet() };
};

/** A 10.x.y.0/24 that no address or route of the host touches. */
const freeSubnet = (): string => {
  const taken = `${tryIp("-4", "-o", "addr") ?? ""}\n${tryIp("-4", "route") ?? ""}`;
  for (let i = 0; i < 200; i++) {
    const [a, b] = [200 + (randomBytes(1)[0]! % 50), randomBytes(1)[0]! % 250];
    const net = `10.${a}.${b}`;
    if (
      !taken.includes(`${net}.`) &&
      !taken.includes(`10.${a}.0.0/16`) &&
      !taken.includes(`10.0.0.0/8`)
    )
      return net;
  }
  throw new Error("found no free 10.x.y.0/24 for the RPC links");
};

export const describeNetwork = (n: TestnetNetwork | undefined): string =>
  !n || n.kind === "loopback"
    ? `loopback (${n?.reason ?? "testnet made before netns support"}): every node on 127.0.0.1; a partition restarts CometBFT peerless on an unannounced port`
    : `netns: each CometBFT in its own network namespace (r3mes-${n.id}-valN), P2P over a bridge in ${n.hub} (${P2P_SUBNET}.0/24), RPC over a veth to the host (${n.rpcSubnet}.0/24); a partition sets the node's bridge port down`;

/** Addresses and link names of node `i` (nothing is created). */
export const nodeNet = (n: TestnetNetwork, i: number, name: string): NodeNet =>
  n.kind === "loopback"
    ? { p2pHost: "127.0.0.1", rpcHost: "127.0.0.1" }
    : {
        p2pHost: `${P2P_SUBNET}.${i + 2}`,
        rpcHost: `${n.rpcSubnet}.${4 * i + 2}`,
        netns: `r3mes-${n.id}-${name}`,
        hubLink: `v${i}`,
        hostLink: `r3-${n.id}-r${i}`,
      };

/** Creates the hub, its bridge and every node's namespace and links. */
export const createNetns = (
  n: TestnetNetwork & { kind: "netns" },
  nodes: readonly NodeNet[],
): void => {
  ip("netns", "add", n.hub);
  ip("-n", n.hub, "link", "set", "lo", "up");
  ip("-n", n.hub, "link", "add", "name", BRIDGE, "type", "bridge");
  ip("-n", n.hub, "link", "set", BRIDGE, "up");
  nodes.forEach((x, i) => {
    const ns = x.netns!;
    ip("netns", "add", ns);
    ip("-n", ns, "link", "set", "lo", "up");
    ip(
      "-n",
      ns,
      "link",
      "add",
      "name",
      "p2p",
      "type",
      "veth",
      "peer",
      "name",
      x.hubLink!,
      "netns",
      n.hub,
    );
    ip("-n", n.hub, "link", "set", x.hubLink!, "master", BRIDGE);
    ip("-n", n.hub, "link", "set", x.hubLink!, "up");
    ip("-n", ns, "addr", "add", `${x.p2pHost}/24`, "dev", "p2p");
    ip("-n", ns, "link", "set", "p2p", "up");
    ip("link", "add", "name", x.hostLink!, "type", "veth", "peer", "name", "rpc", "netns", ns);
    ip("addr", "add", `${n.rpcSubnet}.${4 * i + 1}/30`, "dev", x.hostLink!);
    ip("link", "set", x.hostLink!, "up");
    ip("-n", ns, "addr", "add", `${x.rpcHost}/30`, "dev", "rpc");
    ip("-n", ns, "link", "set", "rpc", "up");
  });
};

/** Partition (down) or heal (up) a node: its port on the bridge. */
export const setNodeLink = (
  n: TestnetNetwork & { kind: "netns" },
  x: NodeNet,
  state: "up" | "down",
): void => {
  ip("-n", n.hub, "link", "set", x.hubLink!, state);
};

/** Whether the node's port on the bridge is up (undefined: no such link). */
export const nodeLinkUp = (
  n: TestnetNetwork & { kind: "netns" },
  x: NodeNet,
): boolean | undefined => {
  const out = tryIp("-n", n.hub, "-o", "link", "show", x.hubLink!);
  return out === undefined ? undefined : /[<,]UP[,>]/.test(out);
};

/** TCP sockets listening inside a node's namespace (as "addr:port"). */
export const listeningIn = (x: NodeNet): string[] => {
  if (!x.netns) return [];
  try {
    return execFileSync(ipBinary() ?? "ip", ["netns", "exec", x.netns, "ss", "-Htln"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    })
      .split("\n")
      .map((l) => l.trim().split(/\s+/)[3])
      .filter((a): a is string => !!a);
  } catch {
    return [];
  }
};

/** Namespaces and host links with this testnet's ID that exist now. */
export const leftovers = (id: string): string[] => {
  const ns = (tryIp("netns", "list") ?? "")
    .split("\n")
    .map((l) => l.split(" ")[0]!)
    .filter((x) => x.startsWith(`r3mes-${id}-`));
  const links = (tryIp("-o", "link", "show") ?? "")
    .split("\n")
    .map((l) => l.split(":")[1]?.trim().split("@")[0] ?? "")
    .filter((x) => x.startsWith(`r3-${id}-`));
  return [...ns.map((x) => `netns ${x}`), ...links.map((x) => `link ${x}`)];
};

/**
 * Deletes every namespace and host link of the testnet (the bridge and the
 * P2P veths go with their namespaces) and waits for the kernel to finish:
 * returns what is still there after 10 s (should be nothing).
 */
export const destroyNetns = async (n: TestnetNetwork & { kind: "netns" }): Promise<string[]> => {
  for (const x of leftovers(n.id)) {
    const [kind, name] = x.split(" ") as ["netns" | "link", string];
    if (kind === "link") tryIp("link", "del", name);
  }
  for (const x of leftovers(n.id)) {
    const [kind, name] = x.split(" ") as ["netns" | "link", string];
    if (kind === "netns") tryIp("netns", "del", name);
  }
  const until = Date.now() + 10_000;
  while (leftovers(n.id).length > 0 && Date.now() < until) await sleep(50);
  return leftovers(n.id);
};

/** The command that starts `cmd args` inside the node's namespace (or as is). */
export const inNetns = (x: NodeNet, cmd: string, args: readonly string[]): [string, string[]] =>
  x.netns ? [ipBinary() ?? "ip", ["netns", "exec", x.netns, cmd, ...args]] : [cmd, [...args]];
