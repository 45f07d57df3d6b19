/**
 * A testnet keeps the snapshot interval chosen at `up`: testnet.json records
 * it, and every way a node's app is started — `up` and `perturb restart`
 * (appArgs), the containers backend's node script, the Kubernetes
 * manifests — uses it instead of a hard-coded 50. A state folder written
 * before the field existed still means 50.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { toBech32 } from "@cosmjs/encoding";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { nodeScript } from "../../src/testnet/containers-up.ts";
import { type MakeAccounts, writeManifests } from "../../src/testnet/manifests.ts";
import type { NodeEntry, TestnetState } from "../../src/testnet/state.ts";
import { appArgs } from "../../src/testnet/up.ts";

const node: NodeEntry = {
  name: "val0",
  home: "/t/net/nodes/val0",
  rpcPort: 40000,
  p2pPort: 40001,
  nodeId: "id0",
  operator: "val0",
  metricsPort: 40002,
};
const state = (over: Partial<TestnetState> = {}): TestnetState => ({
  version: 1,
  dir: "/t/net",
  chainId: "r3mes-testnet-abc",
  blockTimeMs: 500,
  trainMs: 500,
  worldSeed: "00",
  nodes: [node],
  daemons: [],
  startedAt: "2026-01-01T00:00:00Z",
  ...over,
});
const intervalIn = (args: readonly string[]) => args[args.indexOf("--snapshot-interval") + 1];

describe("the testnet's snapshot interval", () => {
  it("a node's app (at up and at every restart) runs with the interval testnet.json records", () => {
    expect(intervalIn(appArgs(state({ snapshotInterval: 7 }), node))).toBe("7");
    expect(appArgs(state({ snapshotInterval: 7 }), node)).toEqual([
      "node",
      "app",
      "--home",
      "/t/net/nodes/val0",
      "--snapshot-interval",
      "7",
      "--metrics",
      "127.0.0.1:40002",
    ]);
  });

  it("a state folder from before the field means 50", () => {
    expect(intervalIn(appArgs(state(), node))).toBe("50");
  });

  it("the containers backend's node script uses it", () => {
    const s = state({
      snapshotInterval: 7,
      containers: { network: "r3mes-testnet-abc", image: "localhost/r3mes:latest" },
    });
    expect(nodeScript(s, node)).toContain(
      "exec r3mes node start --home '/t/net/nodes/val0' --snapshot-interval 7 --metrics",
    );
  });

  it("the Kubernetes manifests' app container uses it", async () => {
    const fast: MakeAccounts = async (names) => ({
      addresses: names.map((n) =>
        toBech32("remes", createHash("sha256").update(n).digest().subarray(0, 20)),
      ),
      files: Object.fromEntries(names.map((n) => [`${n}.json`, "{}"])),
      passphrase: "stand-in",
    });
    const out = path.join(fs.mkdtempSync(path.join(tmpdir(), "r3mes-k8s-snap-")), "out");
    try {
      await writeManifests(
        {
          validators: 1,
          miners: 2,
          proposers: 1,
          lazy: 0,
          blockTimeMs: 500,
          trainMs: 500,
          image: "localhost/r3mes:latest",
          kuboImage: "ipfs/kubo:v0.42.0",
          namespace: "r3mes-test",
          storage: "1Gi",
          daemonStorage: "1Gi",
          name: "r3mes",
          snapshotInterval: 9,
        },
        out,
        fast,
      );
      const docs = parseAllDocuments(fs.readFileSync(path.join(out, "50-validators.yaml"), "utf8"));
      type Sts = {
        kind: string;
        spec: { template: { spec: { containers: { name: string; args: string[] }[] } } };
      };
      const sts = docs.map((d) => d.toJS() as Sts).find((o) => o.kind === "StatefulSet")!;
      const app = sts.spec.template.spec.containers.find((c) => c.name === "app")!;
      expect(intervalIn(app.args)).toBe("9");
    } finally {
      fs.rmSync(path.dirname(out), { recursive: true, force: true });
    }
  });
});
