/**
 * The containers backend's precondition: a Docker engine that answers. Only
 * the check is here (testcontainers is not a dependency until the backend
 * exists); where no engine runs, `up --backend containers` says so and the
 * process backend is the one to use.
 */
import * as fs from "node:fs";
import * as http from "node:http";

export const dockerAvailable = async (): Promise<true | string> => {
  const sock = process.env.DOCKER_HOST?.startsWith("unix://") ? process.env.DOCKER_HOST.slice(7) : "/var/run/docker.sock";
  if (process.env.DOCKER_HOST && !process.env.DOCKER_HOST.startsWith("unix://")) return `DOCKER_HOST=${process.env.DOCKER_HOST} is not a unix socket this check can probe`;
  if (!fs.existsSync(sock)) return `no Docker socket at ${sock}`;
  return new Promise((resolve) => {
    const req = http.get({ socketPath: sock, path: "/_ping", timeout: 2000 }, (res) => resolve(res.statusCode === 200 ? true : `the Docker engine answered ${res.statusCode}`));
    req.on("error", (e) => resolve(`the Docker engine at ${sock} does not answer: ${e.message}`));
    req.on("timeout", () => { req.destroy(); resolve(`the Docker engine at ${sock} timed out`); });
  });
};
