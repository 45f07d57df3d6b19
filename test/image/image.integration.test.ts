/**
 * The project's image, built with podman (scripts/image.sh; reused when it
 * was built from this commit): the CLI runs, every role's entrypoint
 * answers, and a single-node chain (`node init` + `node start`) makes
 * blocks, all as the non-root user. Needs podman (.ci/run installs it).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureImage, IMAGE } from "../../src/image/build.ts";
import { IMAGE_USER } from "../../src/image/containerfile.ts";
import { sleep } from "../../src/testnet/procs.ts";

const podman = (...args: string[]) =>
  execFileSync("podman", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
const hasPodman = spawnSync("podman", ["--version"]).status === 0;
const name = `r3mes-image-test-${process.pid}`;

describe.skipIf(!hasPodman && !process.env.CI)("the project's image", () => {
  beforeAll(() => ensureImage((l) => console.log(l)), 600_000);
  afterAll(() => {
    spawnSync("podman", ["rm", "-f", "-t", "0", name]);
  });

  it("is small enough, labelled with its commit, and runs as the non-root user", () => {
    const size = Number(podman("image", "inspect", IMAGE, "--format", "{{.Size}}"));
    console.log(`image ${IMAGE}: ${(size / 2 ** 20).toFixed(0)} MiB`);
    expect(size).toBeLessThan(700 * 2 ** 20);
    expect(podman("image", "inspect", IMAGE, "--format", "{{.Config.User}}")).toBe(
      `${IMAGE_USER.uid}:${IMAGE_USER.uid}`,
    );
    expect(
      podman(
        "image",
        "inspect",
        IMAGE,
        "--format",
        '{{index .Labels "org.opencontainers.image.revision"}}',
      ),
    ).toMatch(/^[0-9a-f]{40}$/);
    expect(podman("run", "--rm", "--entrypoint", "id", IMAGE, "-u")).toBe(String(IMAGE_USER.uid));
  });

  it("has r3mes as its entrypoint, with every role's command", () => {
    expect(podman("run", "--rm", IMAGE, "--help")).toContain("SUBCOMMANDS");
    const roles = podman(
      "run",
      "--rm",
      "--entrypoint",
      "sh",
      IMAGE,
      "-c",
      "for r in 'node start' 'miner start' 'validator start' 'proposer start'; do r3mes $r --help >/dev/null || { echo \"$r failed\"; exit 1; }; echo \"$r ok\"; done; cometbft version; ipfs version --number; node --version",
    );
    expect(roles.split("\n")).toEqual([
      "node start ok",
      "miner start ok",
      "validator start ok",
      "proposer start ok",
      expect.stringMatching(/^0\.38\.\d+$/),
      expect.stringMatching(/^0\.\d+\.\d+$/),
      expect.stringMatching(/^v24\./),
    ]);
  });

  it("node init + node start make blocks, every process as the non-root user, signatures checked by the system libsecp256k1", async () => {
    podman(
      "run",
      "-d",
      "--name",
      name,
      "--entrypoint",
      "sh",
      IMAGE,
      "-c",
      "r3mes node init --home /data/chain >/dev/null && exec r3mes node start --home /data/chain",
    );
    const heightOf = () => {
      const r = spawnSync(
        "podman",
        [
          "exec",
          name,
          "node",
          "-e",
          'fetch("http://127.0.0.1:26657/status").then((r) => r.json()).then((j) => console.log(j.result.sync_info.latest_block_height))',
        ],
        { encoding: "utf8" },
      );
      return r.status === 0 ? Number(r.stdout.trim()) : 0;
    };
    let h = 0;
    for (let i = 0; i < 120 && h < 3; i++) {
      await sleep(1000);
      h = heightOf();
    }
    expect(h, podman("logs", "--tail", "30", name)).toBeGreaterThanOrEqual(3);
    // Every process in the container (sh exec'd into node, the app, CometBFT) runs as the image's user.
    const users = podman("top", name, "user", "comm").split("\n").slice(1);
    expect(users.length).toBeGreaterThanOrEqual(2);
    for (const l of users) expect(l.trim().split(/\s+/)[0]).toBe(IMAGE_USER.name);
    expect(users.some((l) => l.includes("cometbft"))).toBe(true);
    // The image carries Debian's libsecp256k1, and the app verifies signatures with it.
    expect(podman("exec", name, "cat", "/data/chain/logs/app.log")).toMatch(
      /signatures verified by the system's libsecp256k1 \(libsecp256k1\.so\.\d\)/,
    );
  });
});
