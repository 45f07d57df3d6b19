/**
 * WAN realism in the netns network (root + iproute2 only; skipped otherwise
 * with the reason): the round trip measured between two node namespaces
 * (TCP connects: one SYN/SYN-ACK each) matches the latency matrix, and a
 * 4-validator testnet under the qa-regions preset still commits blocks.
 */
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { down } from "../../src/testnet/down.ts";
import {
  chooseNetwork,
  createNetns,
  destroyNetns,
  leftovers,
  nodeNet,
  probeNetns,
} from "../../src/testnet/netns.ts";
import { sleep } from "../../src/testnet/procs.ts";
import { readState, rpcUrl } from "../../src/testnet/state.ts";
import { up, waitForHeight } from "../../src/testnet/up.ts";
import { applyWan, checkWan, loadWan, probeWan } from "../../src/testnet/wan.ts";
import { ensureCometbft } from "../node/harness.ts";
import { keepLogs } from "./helpers.ts";

const can = probeNetns();
const wanOk = can === true ? probeWan() : can;
const why = wanOk === true ? undefined : wanOk;
if (why) console.log(`wan integration skipped: ${why}`);

/** Median ms of `n` TCP connects from inside `fromNs` to host:port. */
const connectRtt = (fromNs: string, host: string, port: number, n: number): number => {
  const script = `
    const net = require("node:net");
    const times = [];
    const one = () => new Promise((ok, ko) => {
      const t = process.hrtime.bigint();
      const s = net.connect(${port}, ${JSON.stringify(host)}, () => {
        times.push(Number(process.hrtime.bigint() - t) / 1e6); s.destroy(); ok();
      });
      s.on("error", ko);
    });
    (async () => { for (let i = 0; i < ${n}; i++) await one();
      times.sort((a, b) => a - b); console.log(times[Math.floor(times.length / 2)]); })();`;
  return Number(
    execFileSync("ip", ["netns", "exec", fromNs, process.execPath, "-e", script], {
      encoding: "utf8",
      timeout: 60_000,
    }).trim(),
  );
};

describe.skipIf(why !== undefined)("wan: netem between node namespaces", () => {
  it("the measured round trip between two nodes matches the matrix", async () => {
    const network = chooseNetwork("netns", 3);
    if (network.kind !== "netns") throw new Error("no netns");
    const nets = [0, 1, 2].map((i) => nodeNet(network, i, `val${i}`));
    // Nodes 0 and 2 share region a; node 1 is 80 ms away.
    const wan = checkWan({
      regions: ["a", "b"],
      rttMs: [
        [4, 80],
        [80, 4],
      ],
    });
    createNetns(network, nets);
    const server = spawn(
      "ip",
      [
        "netns",
        "exec",
        nets[1]!.netns!,
        process.execPath,
        "-e",
        `require("node:net").createServer((s) => s.end()).listen(7000, ${JSON.stringify(nets[1]!.p2pHost)})`,
      ],
      { stdio: "ignore" },
    );
    const server2 = spawn(
      "ip",
      [
        "netns",
        "exec",
        nets[2]!.netns!,
        process.execPath,
        "-e",
        `require("node:net").createServer((s) => s.end()).listen(7000, ${JSON.stringify(nets[2]!.p2pHost)})`,
      ],
      { stdio: "ignore" },
    );
    try {
      await sleep(1500);
      const before = connectRtt(nets[0]!.netns!, nets[1]!.p2pHost, 7000, 5);
      applyWan(wan, nets);
      const far = connectRtt(nets[0]!.netns!, nets[1]!.p2pHost, 7000, 9);
      const near = connectRtt(nets[0]!.netns!, nets[2]!.p2pHost, 7000, 9);
      console.log(
        `connect rtt: before ${before.toFixed(2)} ms, a→b ${far.toFixed(2)} ms (matrix 80), a→a ${near.toFixed(2)} ms (matrix 4)`,
      );
      // Within 10% + 5 ms (a loaded machine adds scheduling delay, never removes any).
      expect(far).toBeGreaterThanOrEqual(80 * 0.97);
      expect(far).toBeLessThanOrEqual(80 * 1.1 + 5);
      expect(near).toBeGreaterThanOrEqual(4 * 0.9);
      expect(near).toBeLessThanOrEqual(4 * 1.1 + 5);
    } finally {
      server.kill();
      server2.kill();
      expect(await destroyNetns(network)).toEqual([]);
    }
  });

  it("a 4-validator testnet under the qa-regions matrix commits blocks", async () => {
    ensureCometbft();
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "r3mes-wan-")), "net");
    const wan = loadWan("qa-regions");
    try {
      const r = await up({
        dir,
        validators: 4,
        miners: 0,
        proposers: 0,
        lazy: 0,
        blockTimeMs: 500,
        trainMs: 1500,
        kubo: false,
        network: "netns",
        wan,
        say: () => {},
      });
      expect(r.state.wan).toEqual(wan);
      const s = readState(dir);
      await waitForHeight(s.nodes.map(rpcUrl), 8, 120_000);
      // The delays are in place: node 0's link has one netem per peer.
      const q = execFileSync("tc", ["-n", s.nodes[0]!.net!.netns!, "qdisc", "show", "dev", "p2p"], {
        encoding: "utf8",
      });
      expect(q.match(/netem/g)?.length).toBe(3);
    } finally {
      keepLogs(dir);
      const id =
        readState(dir).network?.kind === "netns"
          ? (readState(dir).network as { id: string }).id
          : undefined;
      await down(dir, { keep: false });
      if (id) expect(leftovers(id)).toEqual([]);
    }
  });
});
