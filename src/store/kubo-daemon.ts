/**
 * A Kubo (IPFS) daemon on loopback: `ipfs init` with the test profile, then
 * a config with no bootstrap peers, no discovery, no routing, no autoconf,
 * and API, gateway and swarm on the given 127.0.0.1 ports only. Started as a
 * child process whose pid the caller keeps (the testnet state folder does).
 */
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { projectRoot } from "../node/tools.ts";

export const pinnedKuboVersion = (): string => {
  const script = fs.readFileSync(path.join(projectRoot, "scripts/setup-tools.sh"), "utf8");
  const m = /^KUBO_VERSION="([^"]+)"/m.exec(script);
  if (!m) throw new Error("scripts/setup-tools.sh does not pin KUBO_VERSION");
  return m[1]!;
};

export const kuboBinary = (): string => {
  const candidates = [process.env.R3MES_KUBO, path.join(projectRoot, ".tools/bin/ipfs")].filter(
    (c): c is string => !!c,
  );
  for (const c of candidates) if (fs.existsSync(c)) return c;
  throw new Error(
    `Kubo is not installed; run 'npm run setup:tools' (builds kubo v${pinnedKuboVersion()} into .tools/bin with Go), or set R3MES_KUBO to an ipfs binary`,
  );
};

export interface KuboPorts {
  readonly api: number;
  readonly gateway: number;
  readonly swarm: number;
}

export const apiUrlOf = (ports: KuboPorts) => `http://127.0.0.1:${ports.api}`;

/** Creates a loopback-only Kubo repo in `repo` (idempotent: an existing repo only gets its ports rewritten). */
export const initKubo = (repo: string, ports: KuboPorts): void => {
  const env = { ...process.env, IPFS_PATH: repo };
  if (!fs.existsSync(path.join(repo, "config"))) {
    fs.mkdirSync(repo, { recursive: true });
    execFileSync(kuboBinary(), ["init", "--profile", "test", "--empty-repo"], {
      env,
      stdio: "pipe",
    });
  }
  const file = path.join(repo, "config");
  const cfg = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, Record<string, unknown>>;
  cfg.Addresses = {
    ...cfg.Addresses,
    API: `/ip4/127.0.0.1/tcp/${ports.api}`,
    Gateway: `/ip4/127.0.0.1/tcp/${ports.gateway}`,
    Swarm: [`/ip4/127.0.0.1/tcp/${ports.swarm}`],
    Announce: [],
    AppendAnnounce: [],
    NoAnnounce: [],
  };
  cfg.Bootstrap = [] as never;
  cfg.Discovery = { MDNS: { Enabled: false } };
  cfg.Routing = { ...cfg.Routing, Type: "none" };
  cfg.AutoConf = { ...cfg.AutoConf, Enabled: false };
  cfg.Swarm = {
    ...cfg.Swarm,
    DisableNatPortMap: true,
    RelayClient: { Enabled: false },
    RelayService: { Enabled: false },
    Transports: {
      Network: { Websocket: false, WebTransport: false, WebRTCDirect: false, QUIC: false },
    },
  };
  fs.writeFileSync(file, `${JSON.stringify(cfg, null, 2)}\n`);
};

/** Starts `ipfs daemon` detached (logs to `logFile`); resolves with its pid once the API answers. */
export const startKubo = async (
  repo: string,
  ports: KuboPorts,
  logFile: string,
  timeoutMs = 60_000,
): Promise<number> => {
  const out = fs.openSync(logFile, "a");
  const p = spawn(kuboBinary(), ["daemon", "--migrate=false"], {
    env: { ...process.env, IPFS_PATH: repo },
    stdio: ["ignore", out, out],
    detached: true,
  });
  fs.closeSync(out);
  p.unref();
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (p.exitCode !== null)
      throw new Error(`the Kubo daemon exited (code ${p.exitCode}); see ${logFile}`);
    try {
      const r = await fetch(`${apiUrlOf(ports)}/api/v0/id`, { method: "POST" });
      if (r.ok) return p.pid!;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  p.kill("SIGKILL");
  throw new Error(
    `the Kubo daemon did not open its API on 127.0.0.1:${ports.api} within ${timeoutMs} ms; see ${logFile}`,
  );
};
