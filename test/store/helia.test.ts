/**
 * The embedded store: bytes round-trip by CID across a restart, the CID is
 * the importer's (raw leaf = sha2-256 of the bytes for one chunk), and a
 * missing, corrupt or malformed CID is a BlobError, never wrong bytes.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { sha256 } from "@noble/hashes/sha2.js";
import fc from "fast-check";
import { CID } from "multiformats/cid";
import * as Digest from "multiformats/hashes/digest";
import { afterAll, describe, expect, it } from "vitest";
import { BlobError, CHUNK_BYTES, cidOfBytes } from "../../src/store/blob-store.ts";
import { openHeliaStore } from "../../src/store/helia.ts";

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "r3mes-store-"));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const bytesOf = (n: number, seed: number) =>
  Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 7 + (i >> 8)) & 0xff);

describe("embedded Helia store", () => {
  it("round-trips bytes by CID (property) and keeps them across a restart", async () => {
    const dir = tmp();
    let store = await openHeliaStore(dir);
    const seen: [string, Uint8Array][] = [];
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 3000 }), async (bytes) => {
        const cid = await store.put(bytes);
        expect(cid).toBe(await cidOfBytes(bytes));
        expect(await store.get(cid)).toEqual(bytes);
        seen.push([cid, bytes]);
      }),
      { numRuns: 20 },
    );
    const big = bytesOf(CHUNK_BYTES * 2 + 1234, 1);
    const bigCid = await store.put(big);
    await store.close();
    store = await openHeliaStore(dir);
    for (const [cid, bytes] of seen.slice(-5)) expect(await store.get(cid)).toEqual(bytes);
    expect(await store.get(bigCid)).toEqual(big);
    await store.close();
  });

  it("gives a single-chunk blob the raw CIDv1 of its sha2-256", async () => {
    const bytes = bytesOf(1000, 2);
    expect(await cidOfBytes(bytes)).toBe(
      CID.createV1(0x55, Digest.create(0x12, sha256(bytes))).toString(),
    );
  });

  it("reports a missing blob, a corrupt blob and a malformed CID clearly", async () => {
    const dir = tmp();
    const store = await openHeliaStore(dir);
    const absent = await cidOfBytes(bytesOf(50, 9));
    await expect(store.get(absent)).rejects.toMatchObject({ name: "BlobError", kind: "missing" });
    await expect(store.get("not-a-cid")).rejects.toMatchObject({ kind: "invalid-cid" });
    expect(await store.has(absent)).toBe(false);

    const bytes = bytesOf(4096, 3);
    const cid = await store.put(bytes);
    expect(await store.has(cid)).toBe(true);
    // Flip one byte of the block file on disk.
    const files = fs
      .readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((f) => f.isFile() && f.name.endsWith(".data"));
    expect(files.length).toBe(1);
    const file = path.join(files[0]!.parentPath, files[0]!.name);
    const raw = fs.readFileSync(file);
    raw[100] = raw[100]! ^ 0xff;
    fs.writeFileSync(file, raw);
    const err = await store.get(cid).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BlobError);
    expect((err as BlobError).kind).toBe("corrupt");
    expect((err as BlobError).message).toContain("corrupt");
    await store.close();
  });
});
