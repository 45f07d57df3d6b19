/**
 * Against a real Kubo daemon (built by setup-tools, loopback-only config):
 * the same bytes get the same CID from Kubo and from the embedded Helia
 * store (one chunk and several), Kubo's bytes verify, and a missing or
 * corrupt blob is a BlobError.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHUNK_BYTES, cidOfBytes, rawCidOf, type BlobStore } from "../../src/store/blob-store.ts";
import { openHeliaStore } from "../../src/store/helia.ts";
import { apiUrlOf, initKubo, startKubo } from "../../src/store/kubo-daemon.ts";
import { openKuboStore } from "../../src/store/kubo.ts";
import { freePort, root } from "../node/harness.ts";

const bytesOf = (n: number, seed: number) =>
  Uint8Array.from({ length: n }, (_, i) => (i * 131 + seed * 17 + (i >> 10)) & 0xff);

describe("Kubo and Helia backends", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "r3mes-kubo-"));
  let pid = 0;
  let kubo: BlobStore;
  let helia: BlobStore;
  beforeAll(async () => {
    execFileSync("bash", [path.join(root, "scripts/setup-tools.sh")], { stdio: "pipe" });
    const ports = { api: await freePort(), gateway: await freePort(), swarm: await freePort() };
    initKubo(path.join(dir, "repo"), ports);
    pid = await startKubo(path.join(dir, "repo"), ports, path.join(dir, "kubo.log"));
    kubo = openKuboStore(apiUrlOf(ports));
    helia = await openHeliaStore(path.join(dir, "helia"));
  });
  afterAll(async () => {
    await helia?.close();
    if (pid) {
      process.kill(pid, "SIGTERM");
      for (let i = 0; i < 100; i++) {
        try {
          process.kill(pid, 0);
        } catch {
          break;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("gives the same bytes the same CID in both backends", async () => {
    for (const n of [0, 1, 1000, CHUNK_BYTES, CHUNK_BYTES + 1, 3 * CHUNK_BYTES + 77]) {
      const bytes = bytesOf(n, n);
      const [k, h] = [await kubo.put(bytes), await helia.put(bytes)];
      expect(k, `${n} bytes`).toBe(h);
      expect(k).toBe(await cidOfBytes(bytes));
      if (n <= CHUNK_BYTES) expect(k).toBe(rawCidOf(bytes));
      expect(await kubo.get(k)).toEqual(bytes);
      expect(await helia.get(h)).toEqual(bytes);
    }
  });

  it("reports a missing and a corrupt blob", async () => {
    const absent = rawCidOf(bytesOf(99, 5));
    await expect(kubo.get(absent)).rejects.toMatchObject({ name: "BlobError", kind: "missing" });
    expect(await kubo.has(absent)).toBe(false);
    await expect(kubo.get("bafy-nonsense")).rejects.toMatchObject({ kind: "invalid-cid" });

    const bytes = bytesOf(5000, 6);
    const cid = await kubo.put(bytes);
    expect(await kubo.has(cid)).toBe(true);
    // Flip a byte in Kubo's flatfs block file (Kubo does not re-hash on read by default).
    const blocks = path.join(dir, "repo", "blocks");
    const files = fs
      .readdirSync(blocks, { recursive: true, withFileTypes: true })
      .filter((f) => f.isFile() && f.name.endsWith(".data"));
    const file = files
      .map((f) => path.join(f.parentPath, f.name))
      .find((f) => fs.statSync(f).size === 5000)!;
    const raw = fs.readFileSync(file);
    raw[10] = raw[10]! ^ 0xff;
    fs.writeFileSync(file, raw);
    const err = await kubo.get(cid).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "BlobError", kind: "corrupt" });
  });
});
