/**
 * The rendered validator pods, started without a cluster (root + netns only;
 * skipped otherwise with the reason): `testnet manifests` for 4 validators,
 * the ConfigMap and Secrets written out as their volumes would be, and each
 * pod run in a network namespace of its own (the netns backend's bridge)
 * with its volume bind-mounted at /data, its init script, the app and
 * CometBFT's start script as the pod's containers run them. The pods'
 * cluster DNS names resolve through /etc/netns/NS/hosts (which `ip netns
 * exec` mounts over /etc/hosts). They must make blocks together, with the
 * validator set of the genesis. (The validator duty daemon is left out: it
 * needs Kubo; `podman kube play` knows no StatefulSet.)
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { writeManifests } from "../../src/testnet/manifests.ts";
import {
  chooseNetwork,
  createNetns,
  destroyNetns,
  nodeNet,
  probeNetns,
} from "../../src/testnet/netns.ts";
import { sleep } from "../../src/testnet/procs.ts";
import { ensureCometbft, root } from "../node/harness.ts";

const can = probeNetns();
if (can !== true) console.log(`manifests integration skipped: ${can}`);

type Obj = Record<string, any>;

describe.skipIf(can !== true)("testnet manifests: the validator pods make blocks", () => {
  it("4 pods from the rendered objects agree on blocks signed by the genesis validators", async () => {
    const cometbft = ensureCometbft();
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "r3mes-k8s-pods-"));
    const ns = "r3mes-smoke";
    await writeManifests(
      {
        validators: 4,
        miners: 0,
        proposers: 0,
        lazy: 0,
        blockTimeMs: 500,
        trainMs: 1500,
        image: "unused",
        kuboImage: "unused",
        namespace: ns,
        storage: "1Gi",
        daemonStorage: "1Gi",
        name: "r3mes",
      },
      path.join(work, "out"),
    );
    const objs = fs
      .readdirSync(path.join(work, "out"))
      .filter((f) => f.endsWith(".yaml"))
      .flatMap((f) =>
        parseAllDocuments(fs.readFileSync(path.join(work, "out", f), "utf8")).map(
          (d) => d.toJS() as Obj,
        ),
      );
    const byName = (n: string) => objs.find((o) => o.metadata.name === n)!;
    const volume = (data: Record<string, string>, dir: string) => {
      fs.mkdirSync(dir, { recursive: true });
      for (const [k, v] of Object.entries(data)) fs.writeFileSync(path.join(dir, k), v);
    };
    volume(byName("r3mes-chain").data, path.join(work, "chain"));
    volume(byName("r3mes-consensus-keys").stringData, path.join(work, "secrets", "consensus"));
    volume(byName("r3mes-keyring").stringData, path.join(work, "secrets", "keyring"));
    const sts = byName("r3mes-val");
    const app = sts.spec.template.spec.containers.find((c: Obj) => c.name === "app");

    const network = chooseNetwork("netns", 4);
    if (network.kind !== "netns") throw new Error("no netns");
    const nets = [0, 1, 2, 3].map((i) => nodeNet(network, i, `val${i}`));
    const hosts = nets
      .map((x, j) => `${x.p2pHost} r3mes-val-${j}.r3mes-p2p.${ns}.svc.cluster.local`)
      .join("\n");
    const madeData = !fs.existsSync("/data");
    const procs: ChildProcess[] = [];
    try {
      createNetns(network, nets);
      if (madeData) fs.mkdirSync("/data");
      nets.forEach((x, i) => {
        fs.mkdirSync(`/etc/netns/${x.netns}`, { recursive: true });
        fs.writeFileSync(`/etc/netns/${x.netns}/hosts`, `127.0.0.1 localhost\n${hosts}\n`);
        const pod = path.join(work, "pods", String(i));
        fs.mkdirSync(pod, { recursive: true });
        // The pod: its volume at /data (a mount namespace of its own), init, then the app and CometBFT.
        const script = [
          "set -e",
          `mount --bind ${pod} /data`,
          `sh ${work}/chain/init.sh`,
          `${[process.execPath, path.join(root, "bin/r3mes.js"), ...app.command.slice(1), ...app.args].join(" ")} >/data/app.out 2>&1 &`,
          `exec sh ${work}/chain/comet.sh >/data/comet.out 2>&1`,
        ].join("\n");
        procs.push(
          spawn("ip", ["netns", "exec", x.netns!, "unshare", "-m", "sh", "-c", script], {
            env: {
              ...process.env,
              PATH: `${path.dirname(process.execPath)}:${process.env.PATH}`,
              HOSTNAME: `r3mes-val-${i}`,
              R3MES_ROLE: "validator",
              R3MES_KEY_PREFIX: "val",
              R3MES_CHAIN_DIR: path.join(work, "chain"),
              R3MES_SECRETS_DIR: path.join(work, "secrets"),
              R3MES_COMETBFT: cometbft,
            },
            stdio: "ignore",
            detached: true,
          }),
        );
      });
      const status = async (i: number) => {
        try {
          return (
            (await (
              await fetch(`http://${nets[i]!.rpcHost}:26657/status`, {
                signal: AbortSignal.timeout(2000),
              })
            ).json()) as { result: { sync_info: { latest_block_height: string } } }
          ).result.sync_info.latest_block_height;
        } catch {
          return undefined;
        }
      };
      const until = Date.now() + 150_000;
      let heights: (string | undefined)[] = [];
      while (Date.now() < until) {
        heights = await Promise.all([0, 1, 2, 3].map(status));
        if (heights.every((h) => Number(h ?? 0) >= 5)) break;
        await sleep(500);
      }
      const logs = [0, 1, 2, 3]
        .map((i) => {
          const f = path.join(work, "pods", String(i), "comet.out");
          return fs.existsSync(f) ? `pod ${i}: ${fs.readFileSync(f, "utf8").slice(-800)}` : "";
        })
        .join("\n");
      expect(
        heights.map((h) => Number(h ?? 0) >= 5),
        logs,
      ).toEqual([true, true, true, true]);
      // Same block 3 everywhere, signed by all four genesis validators' keys.
      const blocks = await Promise.all(
        nets.map(
          async (x) =>
            (await (await fetch(`http://${x.rpcHost}:26657/commit?height=3`)).json()) as Obj,
        ),
      );
      const hashes = blocks.map((b) => b.result.signed_header.commit.block_id.hash);
      expect(new Set(hashes).size).toBe(1);
      const genesis = JSON.parse(byName("r3mes-chain").data["genesis.json"]) as Obj;
      const signers = blocks[0]!.result.signed_header.commit.signatures
        .map((s: Obj) => s.validator_address)
        .filter(Boolean)
        .sort();
      expect(signers.length).toBeGreaterThanOrEqual(3);
      for (const a of signers) expect(genesis.validators.map((v: Obj) => v.address)).toContain(a);
    } finally {
      for (const p of procs) {
        try {
          if (p.pid) process.kill(-p.pid, "SIGKILL");
        } catch {
          // gone
        }
      }
      await sleep(500);
      for (const x of nets) fs.rmSync(`/etc/netns/${x.netns}`, { recursive: true, force: true });
      expect(await destroyNetns(network)).toEqual([]);
      if (madeData) fs.rmdirSync("/data");
    }
  });
});
