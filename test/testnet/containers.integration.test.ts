/**
 * The containers backend for real: a 4-validator testnet (each node's app
 * and CometBFT in a container of the project's image, a validator duty
 * daemon in a container beside each) on one podman network, through
 * testcontainers against a podman service this test starts on its own
 * socket. One node is partitioned (its container disconnected from the
 * network) while the other three keep making blocks; healed (connected
 * again at its address), it catches up — within CometBFT's ping/pong
 * timeout, which the others take to drop their dead connections to it —
 * and every node has the same app hash at the same height. `down`
 * leaves no container and no network behind. Needs podman (.ci/run
 * installs and configures it) and builds the image if it is not current.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureImage } from "../../src/image/build.ts";
import { IMAGE_USER } from "../../src/image/containerfile.ts";
import { dockerAvailable } from "../../src/testnet/containers.ts";
import { containerName, upContainers } from "../../src/testnet/containers-up.ts";
import { down } from "../../src/testnet/down.ts";
import { perturb } from "../../src/testnet/perturb.ts";
import { sleep } from "../../src/testnet/procs.ts";
import { readState, rpcUrl, type TestnetState } from "../../src/testnet/state.ts";
import { backendStates, formatStatus, nodeStatuses } from "../../src/testnet/status.ts";
import { height } from "../../src/testnet/up.ts";
import { keepLogs, logTailsOnFailure, waitFor as waitForIt } from "./helpers.ts";

const hasPodman = spawnSync("podman", ["--version"]).status === 0;
const podman = (...args: string[]) => spawnSync("podman", args, { encoding: "utf8" });

const appHashAt = async (rpc: string, h: number): Promise<string | undefined> => {
  try {
    const r = (await (
      await fetch(`${rpc}/block?height=${h}`, { signal: AbortSignal.timeout(3000) })
    ).json()) as {
      result: { block: { header: { app_hash: string } } };
    };
    return r.result.block.header.app_hash;
  } catch {
    return undefined;
  }
};

describe.skipIf(!hasPodman && !process.env.CI)("testnet in containers (podman)", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "r3mes-ctn-"));
  const dir = path.join(tmp, "net");
  logTailsOnFailure(dir);
  const sock = path.join(tmp, "podman.sock");
  const savedHost = process.env.DOCKER_HOST;
  let service: ChildProcess | undefined;
  let s: TestnetState;
  const waitFor = (what: string, ok: () => Promise<boolean> | boolean, timeoutMs: number) =>
    waitForIt(dir, what, ok, timeoutMs);
  const heightOf = (name: string) => height(rpcUrl(s.nodes.find((n) => n.name === name)!));

  beforeAll(async () => {
    ensureImage((l) => console.log(l));
    service = spawn("podman", ["system", "service", "--time=0", `unix://${sock}`], {
      stdio: "ignore",
    });
    process.env.DOCKER_HOST = `unix://${sock}`;
    for (let i = 0; i < 100 && (await dockerAvailable()) !== true; i++) await sleep(100);
    expect(await dockerAvailable()).toBe(true);
    const r = await upContainers({
      dir,
      validators: 4,
      miners: 0,
      proposers: 0,
      lazy: 0,
      blockTimeMs: 500,
      trainMs: 500,
      kubo: false,
      say: (l) => console.log(l),
    });
    s = r.state;
    console.log(`first block after ${(r.firstBlockMs / 1000).toFixed(1)} s`);
  }, 900_000);

  afterAll(async () => {
    keepLogs(dir);
    if (fs.existsSync(path.join(dir, "testnet.json")))
      await down(dir, { keep: false }).catch(() => {});
    service?.kill("SIGTERM");
    if (savedHost === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = savedHost;
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("runs every node and daemon in its own container, as the image's user", async () => {
    expect(s.containers?.network).toBe(s.chainId);
    const states = await backendStates(s);
    expect([...states!.entries()].sort()).toEqual(
      [...s.nodes.map((n) => n.name), ...s.daemons.map((d) => d.name)]
        .map((n) => [n, "running"])
        .sort(),
    );
    const users = podman("top", containerName(s, "val0"), "user", "comm")
      .stdout.trim()
      .split("\n")
      .slice(1);
    expect(users.some((l) => l.includes("cometbft"))).toBe(true);
    for (const l of users) expect(l.trim().split(/\s+/)[0]).toBe(IMAGE_USER.name);
    console.log(formatStatus(s, await nodeStatuses(s), states));
  });

  it("a partitioned node falls behind while the others go on; healed, it catches up with the same app hash", async () => {
    const others = ["val0", "val1", "val2"];
    await waitFor(
      "height 3 on every node",
      async () =>
        (await Promise.all(s.nodes.map((n) => heightOf(n.name)))).every((h) => (h ?? 0) >= 3),
      120_000,
    );
    console.log(await perturb(dir, "partition", "val3"));
    s = readState(dir);
    expect((await nodeStatuses(s)).find((n) => n.name === "val3")!.state).toBe("partitioned");
    const cut = podman(
      "inspect",
      containerName(s, "val3"),
      "--format",
      "{{json .NetworkSettings.Networks}}",
    ).stdout;
    expect(cut).not.toContain(s.containers!.network);
    const from = Math.min(...(await Promise.all(others.map(heightOf))).map((h) => h ?? 0));
    await waitFor(
      "the other three 5 blocks on without val3",
      async () => (await Promise.all(others.map(heightOf))).every((h) => (h ?? 0) >= from + 5),
      120_000,
    );
    expect(await heightOf("val3")).toBeUndefined(); // its published RPC went dark with its network
    // Healed at its old address: the others redial it there once their ping/pong timeout drops the dead connections.
    console.log(await perturb(dir, "heal", "val3"));
    expect(readState(dir).nodes[3]!.partitionedIp).toBeUndefined();
    s = readState(dir);
    const target = Math.max(...(await Promise.all(others.map(heightOf))).map((h) => h ?? 0));
    await waitFor(
      `val3 caught up to height ${target}`,
      async () => ((await heightOf("val3")) ?? 0) >= target,
      300_000,
    );
    const statuses = await nodeStatuses(s);
    expect(statuses.map((n) => n.state)).toEqual(["running", "running", "running", "running"]);
    const hashes = await Promise.all(s.nodes.map((n) => appHashAt(rpcUrl(n), target)));
    expect(hashes[0]).toMatch(/^[0-9A-F]{64}$/);
    expect(new Set(hashes).size).toBe(1);
  }, 600_000);

  it("down removes every container and the network", async () => {
    const network = s.containers!.network;
    keepLogs(dir);
    const r = await down(dir, { keep: false });
    expect(r.leftovers).toEqual([]);
    expect(r.stillListening).toEqual([]);
    expect(r.stopped).toBe(s.nodes.length + s.daemons.length);
    expect(
      podman(
        "ps",
        "-a",
        "--filter",
        `label=r3mes.testnet=${network}`,
        "--format",
        "{{.Names}}",
      ).stdout.trim(),
    ).toBe("");
    expect(podman("network", "exists", network).status).not.toBe(0);
    expect(fs.existsSync(dir)).toBe(false);
  });
});
