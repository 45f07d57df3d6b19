/** Opens the content store a daemon or test asks for: `kubo:URL` or a folder for the embedded Helia store. */
import type { BlobStore } from "./blob-store.ts";
import { openKuboStore } from "./kubo.ts";

export * from "./blob-store.ts";

/**
 * `spec`: "kubo:http://127.0.0.1:5001" or "helia:/path/to/blocks" (or just a
 * path). Helia is loaded only for its store: importing it costs every `r3mes`
 * command ~0.5 s and ~90 MB otherwise (a Kubo-backed daemon, `--help`).
 */
export const openStore = async (spec: string): Promise<BlobStore> =>
  spec.startsWith("kubo:")
    ? openKuboStore(spec.slice(5))
    : (await import("./helia.ts")).openHeliaStore(spec.replace(/^helia:/, ""));
