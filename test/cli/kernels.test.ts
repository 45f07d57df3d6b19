import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NodeServices } from "@effect/platform-node";
import { Effect, Exit } from "effect";
import { Command } from "effect/cli";
import { afterAll, describe, expect, it, vi } from "vitest";
import { r3mes } from "../../src/cli/app.ts";

/** The command tree in this process (no start-up cost); what it printed, and whether it succeeded. */
const inProcess = async (...args: string[]): Promise<{ ok: boolean; out: string }> => {
  const lines: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => {
    lines.push(a.join(" "));
  });
  const err = vi.spyOn(console, "error").mockImplementation(() => {});
  try {
    const exit = await Effect.runPromiseExit(
      Command.runWith(r3mes, { version: "test" })(args).pipe(Effect.provide(NodeServices.layer)),
    );
    return { ok: Exit.isSuccess(exit), out: lines.join("\n") };
  } finally {
    log.mockRestore();
    err.mockRestore();
  }
};
const shards = ["--total-shards", "2"];

describe("r3mes kernels", () => {
  const dir = mkdtempSync(join(tmpdir(), "r3mes-kernels-"));
  const file = join(dir, "w1s0.safetensors");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("trains a task into an update file that verify accepts for its task only, and hash reads the same identity", async () => {
    const t = await inProcess(
      "kernels",
      "train",
      "--window",
      "1",
      "--shard",
      "0",
      ...shards,
      "--out",
      file,
      "--json",
    );
    expect(t.ok).toBe(true);
    const trained = JSON.parse(t.out) as Record<string, unknown>;
    expect(trained.gradient_hash).toMatch(/^[0-9a-f]{64}$/);
    const h = JSON.parse((await inProcess("kernels", "hash", file, "--json")).out) as Record<
      string,
      unknown
    >;
    expect([h.gradient_hash, h.cid, h.da_root, h.size_bytes]).toEqual([
      trained.gradient_hash,
      trained.cid,
      trained.da_root,
      trained.size_bytes,
    ]);
    expect(
      (await inProcess("kernels", "verify", file, "--window", "1", "--shard", "0", ...shards)).ok,
    ).toBe(true);
    const wrong = await inProcess(
      "kernels",
      "verify",
      file,
      "--window",
      "2",
      "--shard",
      "0",
      ...shards,
    );
    expect(wrong.ok).toBe(false);
    expect(wrong.out).toMatch(/valid\s+false/);
  }, 120_000);

  it("serves the model on loopback until stopped: /health, /generate with text, next token and loss; the port is freed", async () => {
    const child = spawn(
      process.execPath,
      [
        "bin/r3mes.js",
        "kernels",
        "serve",
        "--window",
        "1",
        ...shards,
        "--update",
        file,
        "--port",
        "0",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    const exited = new Promise<number | null>((resolve) =>
      child.on("exit", (code) => resolve(code)),
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 60_000);
        const onData = (b: Buffer) => {
          out += b.toString();
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        };
        child.stdout.on("data", onData);
        child.stderr.on("data", onData);
      });
      const health = (await (await fetch(`${url}/health`)).json()) as {
        ok: boolean;
        model: { config: { vocab: number } };
      };
      expect(health.ok).toBe(true);
      expect(health.model.config.vocab).toBe(256);
      const res = await fetch(`${url}/generate`, {
        method: "POST",
        body: JSON.stringify({ prompt: "ROMEO: What light through", tokens: 12 }),
      });
      expect(res.status).toBe(200);
      const g = (await res.json()) as {
        text: string;
        generated: string;
        next_token: number;
        loss: number;
      };
      expect(g.text.startsWith("ROMEO: What light through")).toBe(true);
      expect(new TextEncoder().encode(g.generated).length).toBeGreaterThan(0);
      expect(g.next_token).toBeGreaterThanOrEqual(0);
      expect(g.loss).toBeGreaterThan(0);
      expect(g.loss).toBeLessThan(8);
      const bad = await fetch(`${url}/generate`, {
        method: "POST",
        body: JSON.stringify({ prompt: "x", tokens: 100_000 }),
      });
      expect(bad.status).toBe(400);
      child.kill("SIGTERM");
      expect([0, 130]).toContain(await exited); // 130: interrupted by the signal, after the release ran
      expect(out).toContain("kernels serve: stopped");
      await expect(fetch(`${url}/health`)).rejects.toThrow();
    } finally {
      child.kill("SIGKILL");
    }
  }, 120_000);
});
