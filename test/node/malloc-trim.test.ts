import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { appProcess } from "../../src/node/run.ts";

const trimModule = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../src/node/malloc-trim.ts",
);

/**
 * In a child with the app's malloc settings (run.ts appProcess): fill
 * malloc's heap with buffers below the mmap threshold, free nine in ten
 * (the survivors pin the heap's top, so freeing alone gives nothing back),
 * and read the heap's resident size before and after mallocTrim.
 */
const child = `
import * as fs from "node:fs";
import { mallocTrim } from ${JSON.stringify(trimModule)};
const heapRss = () => {
  let inHeap = false, kb = 0;
  for (const line of fs.readFileSync("/proc/self/smaps", "utf8").split("\\n")) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) inHeap = line.endsWith("[heap]");
    else if (inHeap && line.startsWith("Rss:")) kb += Number(line.split(/\\s+/)[1]);
  }
  return kb / 1024;
};
let all = [];
for (let i = 0; i < 40000; i++) all.push(Buffer.alloc(2048 + (i % 5) * 1024, 1));
const kept = all.filter((_, i) => i % 10 === 0);
all = undefined;
globalThis.gc();
const before = heapRss();
const released = mallocTrim();
console.log(JSON.stringify({ before, after: heapRss(), released, kept: kept.length }));
`;

describe("mallocTrim", () => {
  it.runIf(process.platform === "linux")(
    "gives back the free pages inside malloc's heap that a freed set of buffers left",
    () => {
      const r = spawnSync(
        process.execPath,
        [
          "--expose-gc",
          "--single-threaded-gc",
          "--import",
          "tsx",
          "--input-type=module",
          "-e",
          child,
        ],
        { encoding: "utf8", env: appProcess("/nonexistent", 0).env },
      );
      expect(r.stderr).toBe("");
      const { before, after, released } = JSON.parse(r.stdout) as {
        before: number;
        after: number;
        released: boolean;
      };
      // ~107 MB allocated, nine tenths freed between survivors: tens of MB sit free inside the heap.
      expect(before).toBeGreaterThan(60);
      expect(released).toBe(true);
      expect(after).toBeLessThan(before / 2);
    },
  );
});
