/**
 * The embedded content store: Helia in this process with every network
 * feature off (no listeners, transports, discovery, routers or gateways) and
 * blocks in a `blockstore-fs` folder, so they survive restarts. Reads are
 * offline: a block that is not on disk is "missing" at once.
 */
import * as fs from "node:fs";
import { unixfs } from "@helia/unixfs";
import { FsBlockstore } from "blockstore-fs";
import { createHelia } from "helia";
import {
  BlobError,
  type BlobStore,
  concat,
  importOptions,
  parseCid,
  verifyBlob,
} from "./blob-store.ts";

export const openHeliaStore = async (dir: string): Promise<BlobStore> => {
  fs.mkdirSync(dir, { recursive: true });
  const blockstore = new FsBlockstore(dir);
  const helia = await createHelia({
    blockstore,
    start: true,
    http: { delegatedRouters: [], recursiveGateways: [] },
    libp2p: { addresses: { listen: [] }, transports: [], peerDiscovery: [], services: {} },
  } as Parameters<typeof createHelia>[0]);
  const fsys = unixfs(helia);
  return {
    name: "helia",
    put: async (bytes) => (await fsys.addBytes(bytes, importOptions())).toString(),
    get: async (cid) => {
      const c = parseCid(cid);
      if (!(await helia.blockstore.has(c)))
        throw new BlobError(
          "missing",
          cid,
          `blob ${cid} is not in the local store (${dir}); it was never stored here or has been removed`,
        );
      const parts: Uint8Array[] = [];
      try {
        for await (const p of fsys.cat(c, { offline: true })) parts.push(p);
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        // A child block missing or unreadable, or a block that does not decode.
        throw new BlobError(
          /not found|missing|offline/i.test(msg) ? "missing" : "corrupt",
          cid,
          `blob ${cid} cannot be read from ${dir}: ${msg}`,
        );
      }
      return verifyBlob(cid, concat(parts), "the local store");
    },
    has: async (cid) => helia.blockstore.has(parseCid(cid)),
    close: async () => {
      await helia.stop();
    },
  };
};
