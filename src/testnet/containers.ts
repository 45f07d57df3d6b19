/**
 * The containers backend's precondition and choice: a Docker-compatible
 * engine that answers (Docker's socket, or podman's: `podman system service
 * --time=0 unix:///run/podman/podman.sock`). `up --backend containers`
 * runs the containers backend (containers-up.ts) where one answers, and
 * otherwise says why none does and runs the process backend.
 */
import * as fs from "node:fs";
import * as http from "node:http";

export const dockerAvailable = async (): Promise<true | string> => {
  const sock = process.env.DOCKER_HOST?.startsWith("unix://")
    ? process.env.DOCKER_HOST.slice(7)
    : "/var/run/docker.sock";
  if (process.env.DOCKER_HOST && !process.env.DOCKER_HOST.startsWith("unix://"))
    return `DOCKER_HOST=${process.env.DOCKER_HOST} is not a unix socket this check can probe`;
  if (!fs.existsSync(sock)) return `no Docker socket at ${sock}`;
  return new Promise((resolve) => {
    const req = http.get({ socketPath: sock, path: "/_ping", timeout: 2000 }, (res) =>
      resolve(res.statusCode === 200 ? true : `the Docker engine answered ${res.statusCode}`),
    );
    req.on("error", (e) => resolve(`the Docker engine at ${sock} does not answer: ${e.message}`));
    req.on("timeout", () => {
      req.destroy();
      resolve(`the Docker engine at ${sock} timed out`);
    });
  });
};

/** Sockets tried when DOCKER_HOST is not set: Docker's, then podman's (root, then rootless). */
export const candidateSockets = (): string[] => [
  "/var/run/docker.sock",
  "/run/podman/podman.sock",
  ...(process.env.XDG_RUNTIME_DIR ? [`${process.env.XDG_RUNTIME_DIR}/podman/podman.sock`] : []),
];

/**
 * DOCKER_HOST's engine; without DOCKER_HOST, the first candidate socket whose engine answers,
 * then set as DOCKER_HOST (for testcontainers). Says why none answers otherwise.
 */
export const findEngine = async (): Promise<true | string> => {
  if (process.env.DOCKER_HOST) return dockerAvailable();
  const tried: string[] = [];
  for (const sock of candidateSockets()) {
    if (!fs.existsSync(sock)) continue;
    process.env.DOCKER_HOST = `unix://${sock}`;
    const r = await dockerAvailable();
    if (r === true) return true;
    tried.push(r);
    delete process.env.DOCKER_HOST;
  }
  return tried.length > 0
    ? tried.join("; ")
    : `no Docker socket at ${candidateSockets().join(", ")}`;
};

/** The backend `up --backend NAME` runs, and what to tell the user about it. */
export const resolveBackend = async (
  requested: string,
): Promise<{ readonly backend: "process" | "containers"; readonly note?: string }> => {
  if (requested === "process") return { backend: "process" };
  if (requested !== "containers") throw new Error(`--backend ${requested}: process or containers`);
  const engine = await findEngine();
  if (engine !== true)
    return {
      backend: "process",
      note: `backend: the containers backend (testcontainers) needs a Docker engine, and none answers here (${engine}); using the process backend`,
    };
  return {
    backend: "containers",
    note: `backend: containers (engine at ${process.env.DOCKER_HOST})`,
  };
};

export const describeContainers = (c: {
  readonly network: string;
  readonly image: string;
}): string =>
  `containers: every node, daemon and Kubo in a container of ${c.image} on the engine network ${c.network} (peers by container name); a partition disconnects the node's container from it`;
