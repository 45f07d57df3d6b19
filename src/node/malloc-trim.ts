/**
 * glibc's `malloc_trim(0)`, called after the app's memory-reducing
 * collections (run.ts). Freeing memory gives it back to the system only from
 * the top of malloc's heap (MALLOC_TRIM_THRESHOLD_); free pages between live
 * chunks — SQLite's page cache churn, V8's compiler zones, OpenSSL — stay
 * resident until `malloc_trim`, which since glibc 2.8 also releases whole free
 * pages inside the heap (MADV_DONTNEED). Measured with bench:node's memory
 * part: the app's malloc heap 11–21 MB → 7–9, and at most ~112 MB resident
 * between blocks instead of ~130. No Node API reaches it, hence koffi (already
 * loaded for the system's libsecp256k1). Where libc is not glibc (musl,
 * macOS) this is a no-op.
 */
import { createRequire } from "node:module";

/** Calls malloc_trim(0); returns whether glibc released any memory, or undefined where there is no glibc. */
export type MallocTrim = () => boolean | undefined;

const load = (): MallocTrim => {
  if (process.platform !== "linux") return () => undefined;
  try {
    const koffi = createRequire(import.meta.url)("koffi") as typeof import("koffi");
    const trim = koffi.load("libc.so.6").func("int malloc_trim(size_t pad)");
    return () => trim(0) === 1;
  } catch {
    return () => undefined;
  }
};

let loaded: MallocTrim | undefined;

/** The process's malloc_trim, loaded on first use. */
export const mallocTrim: MallocTrim = () => (loaded ??= load())();
