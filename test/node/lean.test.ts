import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { cacheDir, ensureBundle, freshBundle, inputsKey } from "../../bin/lean.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

describe("the node's bundle (bin/lean.js)", () => {
  it("is built from src/node/main.ts and its imports, keeps the native and wasm packages outside, and runs", async () => {
    const file = ensureBundle();
    expect(path.dirname(file)).toBe(cacheDir());
    const manifest = JSON.parse(
      fs.readFileSync(path.join(cacheDir(), "manifest.json"), "utf8"),
    ) as { inputs: string[] };
    expect(manifest.inputs).toEqual(
      expect.arrayContaining(["src/node/main.ts", "src/node/app.ts", "src/protocol/machine.ts"]),
    );
    expect(manifest.inputs.filter((f) => /node_modules\/(tiny-)?secp256k1\//.test(f))).toEqual([]);
    expect(freshBundle()).toBe(file);
    const m = (await import(pathToFileURL(file).href)) as typeof import("../../src/node/main.ts");
    expect(m.parseLeanArgs(["node", "app", "--home", "/h"])).toEqual({
      withCometbft: false,
      home: "/h",
      snapshotInterval: 100,
    });
  });

  it("loads no HTTP stack nor prom-client in a fresh process: a node without --metrics or --rest keeps ~11 MB less resident", () => {
    const file = ensureBundle();
    const script = `
      const before = new Set(process.moduleLoadList);
      await import(${JSON.stringify(pathToFileURL(file).href)});
      console.log(JSON.stringify(process.moduleLoadList.filter((m) => !before.has(m))));`;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      encoding: "utf8",
    });
    expect(r.stderr).toBe("");
    const loaded = JSON.parse(r.stdout) as string[];
    expect(loaded).toContain("NativeModule sqlite"); // it did load the app
    // An ES import of node:http loads undici and http2 through its lazy exports; prom-client loads https and cluster.
    expect(loaded.filter((m) => /undici|http2|_http_server|https|cluster/.test(m))).toEqual([]);
  });

  it("counts as stale once any input, the lock file or the builder changes, or the bundle is gone", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "r3mes-lean-"));
    try {
      const write = (rel: string, text: string) => {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), text);
      };
      write("package-lock.json", "{}");
      write(
        path.relative(root, fileURLToPath(new URL("../../bin/lean.js", import.meta.url))),
        "builder v1",
      );
      write("src/a.ts", "export const a = 1;");
      const key = inputsKey(["src/a.ts"], dir)!;
      write(
        path.relative(dir, path.join(cacheDir(dir), "manifest.json")),
        JSON.stringify({ key, bundle: "app-x.mjs", inputs: ["src/a.ts"] }),
      );
      write(path.relative(dir, path.join(cacheDir(dir), "app-x.mjs")), "");
      const bundle = path.join(cacheDir(dir), "app-x.mjs");
      expect(freshBundle(dir)).toBe(bundle);
      for (const [rel, changed, original] of [
        ["src/a.ts", "export const a = 2;", "export const a = 1;"],
        ["package-lock.json", "{ }", "{}"],
        ["bin/lean.js", "builder v2", "builder v1"],
      ] as const) {
        write(rel, changed);
        expect(freshBundle(dir)).toBeUndefined();
        write(rel, original);
        expect(freshBundle(dir)).toBe(bundle);
      }
      fs.rmSync(path.join(dir, "src/a.ts"));
      expect(freshBundle(dir)).toBeUndefined();
      write("src/a.ts", "export const a = 1;");
      fs.rmSync(bundle);
      expect(freshBundle(dir)).toBeUndefined();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
