/**
 * The Kubo backend: a content store served by an IPFS daemon (Kubo, built by
 * `npm run setup:tools`) through `kubo-rpc-client`. Reads are made with
 * `offline=true`, so a blob no local node holds is "missing" at once instead
 * of a DHT search; every read is verified against its CID.
 */
import { create, type KuboRPCClient } from "kubo-rpc-client";
import {
  BlobError,
  type BlobStore,
  concat,
  kuboAddOptions,
  parseCid,
  verifyBlob,
} from "./blob-store.ts";

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export const openKuboStore = (apiUrl: string, o: { timeoutMs?: number } = {}): BlobStore => {
  const client: KuboRPCClient = create({ url: apiUrl, timeout: o.timeoutMs ?? 30_000 });
  const unavailable = (cid: string, e: unknown) =>
    new BlobError(
      "unavailable",
      cid,
      `the Kubo daemon at ${apiUrl} did not answer (${message(e)}); is it running? ('r3mes testnet status' lists it)`,
    );
  return {
    name: "kubo",
    put: async (bytes) => {
      try {
        return (await client.add(bytes, kuboAddOptions)).cid.toV1().toString();
      } catch (e) {
        throw unavailable("", e);
      }
    },
    get: async (cid) => {
      const c = parseCid(cid);
      const parts: Uint8Array[] = [];
      try {
        for await (const p of client.cat(c, { offline: true } as never)) parts.push(p);
      } catch (e) {
        const msg = message(e);
        if (/not found|offline mode|no link named|could not find/i.test(msg))
          throw new BlobError(
            "missing",
            cid,
            `blob ${cid} is not held by the Kubo daemon at ${apiUrl}: ${msg}`,
          );
        if (/ECONNREFUSED|fetch failed|socket|aborted|timeout/i.test(msg))
          throw unavailable(cid, e);
        throw new BlobError(
          "corrupt",
          cid,
          `the Kubo daemon at ${apiUrl} cannot read ${cid}: ${msg}`,
        );
      }
      return verifyBlob(cid, concat(parts), `the Kubo daemon at ${apiUrl}`);
    },
    has: async (cid) => {
      try {
        await client.block.stat(parseCid(cid), { offline: true } as never);
        return true;
      } catch {
        return false;
      }
    },
    close: async () => {},
  };
};
