/**
 * The containers backend's precondition: a Docker engine that answers. Only
 * the check is here (testcontainers is not a dependency until the backend
 * exists): `up --backend containers` says whether an engine answers and
 * why not, and runs the process backend either way.
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

/** The backend `up --backend NAME` runs (always the process backend for now), and what to tell the user about it. */
export const resolveBackend = async (
  requested: string,
): Promise<{ readonly backend: "process"; readonly note?: string }> => {
  if (requested === "process") return { backend: "process" };
  if (requested !== "containers") throw new Error(`--backend ${requested}: process or containers`);
  const engine = await dockerAvailable();
  if (engine !== true)
    return {
      backend: "process",
      note: `backend: the containers backend (testcontainers) needs a Docker engine, and none answers here (${engine}); using the process backend`,
    };
  return {
    backend: "process",
    note: "backend: a Docker engine answers, but the containers backend is not built yet; using the process backend",
  };
};
