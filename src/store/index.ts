/** Opens the content store a daemon or test asks for: `kubo:URL` or a folder for the embedded Helia store. */
import type { BlobStore } from "./blob-store.ts";
import { openHeliaStore } from "./helia.ts";
import { openKuboStore } from "./kubo.ts";

export * from "./blob-store.ts";

/** `spec`: "kubo:http://127.0.0.1:5001" or "helia:/path/to/blocks" (or just a path). */
export const openStore = async (spec: string): Promise<BlobStore> =>
  spec.startsWith("kubo:")
    ? openKuboStore(spec.slice(5))
    : openHeliaStore(spec.replace(/^helia:/, ""));
