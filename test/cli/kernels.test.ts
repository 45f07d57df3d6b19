import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const r3mes = (...args: string[]) => spawnSync(process.execPath, ["bin/r3mes.js", ...args], { encoding: "utf8", timeout: 120_000 });
const shards = ["--total-shards", "2"];

describe("r3mes kernels", () => {
  const dir = mkdtempSync(join(tmpdir(), "r3mes-kernels-"));
  const file = join(dir, "w1s0.safetensors");

  it("trains a task into an update file that verify accepts for its task only, and hash reads the same identity", () => {
    const t = r3mes("kernels", "train", "--window", "1", "--shard", "0", ...shards, "--out", file, "--json");
    expect(t.status, t.stderr).toBe(0);
    const trained = JSON.parse(t.stdout) as Record<string, unknown>;
    expect(trained.gradient_hash).toMatch(/^[0-9a-f]{64}$/);
    const h = JSON.parse(r3mes("kernels", "hash", file, "--json").stdout) as Record<string, unknown>;
    expect([h.gradient_hash, h.cid, h.da_root, h.size_bytes]).toEqual([trained.gradient_hash, trained.cid, trained.da_root, trained.size_bytes]);
    expect(r3mes("kernels", "verify", file, "--window", "1", "--shard", "0", ...shards).status).toBe(0);
    const wrong = r3mes("kernels", "verify", file, "--window", "2", "--shard", "0", ...shards);
    expect(wrong.status).not.toBe(0);
    expect(wrong.stdout + wrong.stderr).toMatch(/not the result of window 2 shard 0/);
  }, 120_000);

  it("serves the model on loopback until stopped: /health, /generate with text, next token and loss; the port is freed", async () => {
    const child = spawn(process.execPath, ["bin/r3mes.js", "kernels", "serve", "--window", "1", ...shards, "--update", file, "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 60_000);
        const onData = (b: Buffer) => {
          out += b.toString();
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m) { clearTimeout(timer); resolve(m[1]!); }
        };
        child.stdout.on("data", onData);
        child.stderr.on("data", onData);
      });
      const health = (await (await fetch(`${url}/health`)).json()) as { ok: boolean; model: { config: { vocab: number } } };
      expect(health.ok).toBe(true);
      expect(health.model.config.vocab).toBe(256);
      const res = await fetch(`${url}/generate`, { method: "POST", body: JSON.stringify({ prompt: "ROMEO: What light through", tokens: 12 }) });
      expect(res.status).toBe(200);
      const g = (await res.json()) as { text: string; generated: string; next_token: number; loss: number };
      expect(g.text.startsWith("ROMEO: What light through")).toBe(true);
      expect(new TextEncoder().encode(g.generated).length).toBeGreaterThan(0);
      expect(g.next_token).toBeGreaterThanOrEqual(0);
      expect(g.loss).toBeGreaterThan(0);
      expect(g.loss).toBeLessThan(8);
      const bad = await fetch(`${url}/generate`, { method: "POST", body: JSON.stringify({ prompt: "x", tokens: 100_000 }) });
      expect(bad.status).toBe(400);
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(out).toContain("kernels serve: stopped");
      await expect(fetch(`${url}/health`)).rejects.toThrow();
    } finally {
      child.kill("SIGKILL");
    }
  }, 120_000);
});
