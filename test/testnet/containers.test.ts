/**
 * `testnet up --backend containers` needs a Docker engine; where none
 * answers it says so, naming why, and the process backend runs instead.
 */
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { dockerAvailable, resolveBackend } from "../../src/testnet/containers.ts";

const saved = process.env.DOCKER_HOST;
afterEach(() => {
  if (saved === undefined) delete process.env.DOCKER_HOST;
  else process.env.DOCKER_HOST = saved;
});

describe("the containers backend", () => {
  it("with no Docker socket: says so and uses the process backend", async () => {
    process.env.DOCKER_HOST = "unix:///nonexistent/docker.sock";
    expect(await dockerAvailable()).toBe("no Docker socket at /nonexistent/docker.sock");
    const r = await resolveBackend("containers");
    expect(r.backend).toBe("process");
    expect(r.note).toBe(
      "backend: the containers backend (testcontainers) needs a Docker engine, and none answers here (no Docker socket at /nonexistent/docker.sock); using the process backend",
    );
  });

  it("with a socket nobody answers on: says the engine does not answer", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "r3mes-docker-"));
    const sock = path.join(dir, "docker.sock");
    fs.writeFileSync(sock, ""); // a file, not a listening socket
    process.env.DOCKER_HOST = `unix://${sock}`;
    const r = await resolveBackend("containers");
    expect(r.backend).toBe("process");
    expect(r.note).toMatch(
      /needs a Docker engine, and none answers here \(the Docker engine at .*docker\.sock does not answer: .*\); using the process backend/,
    );
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("with an engine answering: runs the containers backend", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "r3mes-docker-"));
    const sock = path.join(dir, "docker.sock");
    const server = http.createServer((req, res) =>
      res.writeHead(req.url === "/_ping" ? 200 : 404).end("OK"),
    );
    await new Promise<void>((r) => server.listen(sock, r));
    process.env.DOCKER_HOST = `unix://${sock}`;
    expect(await dockerAvailable()).toBe(true);
    expect(await resolveBackend("containers")).toEqual({
      backend: "containers",
      note: `backend: containers (engine at unix://${sock})`,
    });
    await new Promise<void>((r) => server.close(() => r()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("a non-unix DOCKER_HOST is named; process needs nothing; other names are refused", async () => {
    process.env.DOCKER_HOST = "tcp://10.0.0.1:2375";
    expect((await resolveBackend("containers")).note).toContain(
      "DOCKER_HOST=tcp://10.0.0.1:2375 is not a unix socket this check can probe",
    );
    expect(await resolveBackend("process")).toEqual({ backend: "process" });
    await expect(resolveBackend("vms")).rejects.toThrow("--backend vms: process or containers");
  });
});
