/**
 * WAN realism for the netns network (`testnet up --wan FILE|preset`):
 * latency, jitter and loss between validators, from a round-trip matrix by
 * region, as CometBFT's QA emulates one.
 *
 * Every node reaches all its peers through one link (its veth to the hub's
 * bridge), so delays per destination need classification on that link:
 * each node's namespace gets an HTB root on its `p2p` link with one class
 * per peer, a u32 filter on the peer's address, and a netem qdisc under
 * each class delaying by half the pair's round trip (the peer's class does
 * the other half, so a ping sees the whole). HTB rather than PRIO: PRIO has
 * at most 16 bands, and a network has up to 60 nodes. Per-peer veths would
 * need a mesh of n² links instead of the bridge that partitions cut.
 * Unmatched traffic (ARP) goes to a default class without delay.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { Schema } from "effect";
import type { NodeNet } from "./netns.ts";

const WanFile = Schema.Struct({
  /** Region names. */
  regions: Schema.Array(Schema.String),
  /** Round trip in ms between regions (square, symmetric; the diagonal is within a region). */
  rttMs: Schema.Array(Schema.Array(Schema.Number)),
  /** Jitter in ms added to each direction's delay (uniform ±; default 0). */
  jitterMs: Schema.optional(Schema.Number),
  /** Packet loss in % on each direction (default 0). */
  lossPct: Schema.optional(Schema.Number),
  /** Region of each node by index; default round-robin over `regions`. */
  placement: Schema.optional(Schema.Array(Schema.String)),
});
export type Wan = typeof WanFile.Type;

/**
 * Round trips between cloud regions of three continents, in the manner of
 * CometBFT QA's latency emulation (public inter-region figures, rounded).
 */
export const WAN_PRESETS: Readonly<Record<string, Wan>> = {
  "qa-regions": {
    regions: ["us-east", "us-west", "eu-central", "ap-northeast"],
    rttMs: [
      [2, 62, 90, 145],
      [62, 2, 148, 107],
      [90, 148, 2, 225],
      [145, 107, 225, 2],
    ],
    jitterMs: 2,
    lossPct: 0.05,
  },
  /** One continent: the same shape with short round trips. */
  "one-continent": {
    regions: ["eu-west", "eu-central", "eu-north"],
    rttMs: [
      [1, 20, 30],
      [20, 1, 25],
      [30, 25, 1],
    ],
    jitterMs: 1,
    lossPct: 0,
  },
};

/** Checks a matrix; returns it or throws saying what is wrong. */
export const checkWan = (w: Wan): Wan => {
  const r = w.regions.length;
  if (r === 0) throw new Error("wan: no regions");
  if (new Set(w.regions).size !== r) throw new Error("wan: region names must be distinct");
  if (w.rttMs.length !== r || w.rttMs.some((row) => row.length !== r))
    throw new Error(`wan: rttMs must be ${r}×${r} (one row and column per region)`);
  for (let a = 0; a < r; a++)
    for (let b = 0; b < r; b++) {
      const v = w.rttMs[a]![b]!;
      if (!Number.isFinite(v) || v < 0 || v > 10_000)
        throw new Error(`wan: rttMs[${a}][${b}] = ${v}: a round trip in ms, 0 to 10000`);
      if (v !== w.rttMs[b]![a]) throw new Error(`wan: rttMs is not symmetric at [${a}][${b}]`);
    }
  if (w.jitterMs !== undefined && !(w.jitterMs >= 0 && w.jitterMs <= 1000))
    throw new Error("wan: jitterMs must be 0 to 1000");
  if (w.lossPct !== undefined && !(w.lossPct >= 0 && w.lossPct <= 100))
    throw new Error("wan: lossPct must be 0 to 100");
  for (const p of w.placement ?? [])
    if (!w.regions.includes(p)) throw new Error(`wan: placement names unknown region ${p}`);
  return w;
};

/** A preset's name, or a JSON file of the same shape. */
export const loadWan = (spec: string): Wan => {
  const preset = WAN_PRESETS[spec];
  if (preset) return checkWan(preset);
  if (!fs.existsSync(spec))
    throw new Error(
      `--wan ${spec}: neither a preset (${Object.keys(WAN_PRESETS).join(", ")}) nor a file`,
    );
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(spec, "utf8"));
  } catch (e) {
    throw new Error(`--wan ${spec}: not JSON (${(e as Error).message})`);
  }
  return checkWan(Schema.decodeUnknownSync(WanFile)(json));
};

export const regionOf = (w: Wan, node: number): string =>
  w.placement?.[node] ?? w.regions[node % w.regions.length]!;

/** The round trip in ms between nodes a and b. */
export const rttBetween = (w: Wan, a: number, b: number): number =>
  w.rttMs[w.regions.indexOf(regionOf(w, a))]![w.regions.indexOf(regionOf(w, b))]!;

const ms = (x: number): string => `${Number(x.toFixed(3))}ms`;

/** The `tc -batch` lines for node i's p2p link (one class, filter and netem per peer). */
export const tcBatch = (w: Wan, nodes: readonly NodeNet[], i: number): string[] => {
  const lines = [
    "qdisc add dev p2p root handle 1: htb default 1",
    "class add dev p2p parent 1: classid 1:1 htb rate 10gbit",
  ];
  nodes.forEach((peer, j) => {
    if (j === i) return;
    // Class and handle numbers are hex to tc; 0x10 + j keeps clear of the default class.
    const id = (0x10 + j).toString(16);
    const oneWay = rttBetween(w, i, j) / 2;
    const jitter = w.jitterMs ? ` ${ms(Math.min(w.jitterMs, oneWay))}` : "";
    const loss = w.lossPct ? ` loss ${w.lossPct}%` : "";
    lines.push(
      `class add dev p2p parent 1: classid 1:${id} htb rate 10gbit`,
      `qdisc add dev p2p parent 1:${id} handle ${id}: netem delay ${ms(oneWay)}${jitter}${loss} limit 100000`,
      `filter add dev p2p parent 1: protocol ip prio 1 u32 match ip dst ${peer.p2pHost}/32 flowid 1:${id}`,
    );
  });
  return lines;
};

export const tcBinary = (): string | undefined =>
  ["/usr/sbin/tc", "/sbin/tc", "/usr/bin/tc", "/bin/tc"].find((p) => fs.existsSync(p));

/**
 * true when this kernel has what applyWan uses (HTB, the u32 classifier,
 * netem), tried in a scratch namespace; otherwise why not. Minimal kernels
 * (some VM sandboxes) ship HTB but neither netem nor classifiers.
 */
export const probeWan = (): true | string => {
  const tc = tcBinary();
  if (!tc) return "the tc command (iproute2) is not installed";
  const ns = `r3mes-wanprobe-${process.pid}`;
  const run = (cmd: string, ...args: string[]) =>
    execFileSync(cmd, args, { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
  try {
    run("ip", "netns", "add", ns);
    run("ip", "-n", ns, "link", "set", "lo", "up");
    execFileSync(tc, ["-n", ns, "-batch", "-"], {
      input: [
        "qdisc add dev lo root handle 1: htb default 1",
        "class add dev lo parent 1: classid 1:1 htb rate 10gbit",
        "class add dev lo parent 1: classid 1:10 htb rate 10gbit",
        "qdisc add dev lo parent 1:10 handle 10: netem delay 1ms 1ms loss 0.1%",
        "filter add dev lo parent 1: protocol ip prio 1 u32 match ip dst 127.0.0.2/32 flowid 1:10",
        "",
      ].join("\n"),
      stdio: ["pipe", "pipe", "pipe"],
    });
    return true;
  } catch (e) {
    const err = e as { stderr?: Buffer | string; message?: string };
    const msg = (err.stderr?.toString().trim() || err.message || String(e))
      .split("\n")
      .filter((l) => !l.startsWith("Warning"))
      .join("; ");
    return `this kernel can not delay per destination with tc (HTB + u32 + netem): ${msg}`;
  } finally {
    try {
      run("ip", "netns", "del", ns);
    } catch {
      // never made
    }
  }
};

/** Applies the matrix in every node's namespace (netns mode, after createNetns). */
export const applyWan = (w: Wan, nodes: readonly NodeNet[]): void => {
  const tc = tcBinary();
  if (!tc) throw new Error("--wan: the tc command (iproute2) is not installed");
  if (w.placement && w.placement.length < nodes.length)
    throw new Error(
      `wan: placement names ${w.placement.length} nodes, the testnet has ${nodes.length}`,
    );
  nodes.forEach((x, i) => {
    if (!x.netns) throw new Error("--wan needs the netns network (each node in its namespace)");
    execFileSync(tc, ["-n", x.netns, "-batch", "-"], {
      input: `${tcBatch(w, nodes, i).join("\n")}\n`,
      stdio: ["pipe", "pipe", "pipe"],
    });
  });
};

/** One line for logs: where each node is. */
export const describeWan = (w: Wan, n: number): string =>
  `wan: ${Array.from({ length: n }, (_, i) => `val${i}@${regionOf(w, i)}`).join(" ")}; rtt ${w.regions
    .map((a, x) => w.regions.slice(x + 1).map((b, y) => `${a}-${b} ${w.rttMs[x]![x + 1 + y]}ms`))
    .flat()
    .join(", ")}; jitter ${w.jitterMs ?? 0}ms, loss ${w.lossPct ?? 0}% each way`;
