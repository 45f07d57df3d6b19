// The node's long-running processes (`r3mes node start|app`) run src/node/main.ts
// as one JavaScript file bundled by esbuild, not through the tsx loader: the
// loader and its per-module transforms cost the app process about 25 MB of
// resident memory. The bundle never runs stale code: it lives in
// node_modules/.cache/r3mes-node keyed by a sha256 of every file esbuild read
// to build it (its metafile's inputs), plus package-lock.json and this file;
// every launch hashes those files again (a few milliseconds) and rebuilds, in
// a child process (`node bin/lean.js --build`), when anything changed.
// Native and WebAssembly packages stay outside the bundle (loaded from
// node_modules at run time). If the bundle cannot be built or checked, the
// process says why on stderr and runs the sources through tsx as before.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const self = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(self), "..");
const ENTRY = "src/node/main.ts";
/** Three levels below the project root: the bundle finds the sources' folder and node_modules from there (see banner). */
export const cacheDir = (projectRoot = root) =>
  path.join(projectRoot, "node_modules", ".cache", "r3mes-node");
/** Always part of the key: the dependency versions and the build options (this file). */
const ALWAYS = ["package-lock.json", path.relative(root, self)];
const EXTERNAL = ["secp256k1", "tiny-secp256k1", "koffi"];

/** sha256 over the files (paths relative to the project root, sorted) and their contents; undefined when one cannot be read. */
export const inputsKey = (inputs, projectRoot = root) => {
  const h = createHash("sha256");
  for (const rel of [...new Set([...inputs, ...ALWAYS])].sort()) {
    let bytes;
    try {
      bytes = fs.readFileSync(path.join(projectRoot, rel));
    } catch {
      return undefined;
    }
    h.update(`${rel}\0${bytes.length}\0`);
    h.update(bytes);
  }
  return h.digest("hex");
};

const readManifest = (dir) => {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
    return Array.isArray(m.inputs) && typeof m.key === "string" && typeof m.bundle === "string"
      ? m
      : undefined;
  } catch {
    return undefined;
  }
};

/** The fresh bundle's path, or undefined when the manifest is missing or any input changed since it was built. */
export const freshBundle = (projectRoot = root) => {
  const dir = cacheDir(projectRoot);
  const m = readManifest(dir);
  if (m === undefined || inputsKey(m.inputs, projectRoot) !== m.key) return undefined;
  const file = path.join(dir, m.bundle);
  return fs.existsSync(file) ? file : undefined;
};

/** Builds the bundle and its manifest (in this process; it loads esbuild). */
const build = async () => {
  const esbuild = await import("esbuild");
  const dir = cacheDir();
  fs.mkdirSync(dir, { recursive: true });
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [ENTRY],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node24",
    write: false,
    metafile: true,
    outfile: path.join(dir, "app.mjs"),
    external: EXTERNAL,
    logLevel: "error",
    // No comments nor indentation: V8 keeps the source text in the heap for lazy compilation, and pure ASCII
    // (esbuild escapes the rest in strings) keeps it one byte per character.
    minifyWhitespace: true,
    legalComments: "none",
    // Every import.meta.url in the bundled sources is src/node's own (run.ts, tools.ts, secp256k1.ts resolve from
    // there); bundled code must use no other import.meta (checked below).
    define: { "import.meta.url": "__r3mesNodeUrl" },
    banner: {
      js: [
        'import { createRequire as __r3mesCreateRequire } from "node:module";',
        "const require = __r3mesCreateRequire(import.meta.url);",
        `const __r3mesNodeUrl = new URL("../../../${ENTRY}", import.meta.url).href;`,
      ].join("\n"),
    },
  });
  const code = result.outputFiles[0].text;
  if (code.split("import.meta").length - 1 !== 2)
    throw new Error("bundled code uses import.meta beyond import.meta.url in src/node");
  if (/[^\x00-\x7f]/.test(code)) throw new Error("the bundle is not pure ASCII");
  const inputs = Object.keys(result.metafile.inputs).filter((f) => !f.startsWith("<"));
  const key = inputsKey(inputs);
  if (key === undefined) throw new Error("an input changed while building");
  const bundle = `app-${key.slice(0, 16)}.mjs`;
  const tmp = (name) => path.join(dir, `.${name}.${process.pid}`);
  fs.writeFileSync(tmp(bundle), code);
  fs.renameSync(tmp(bundle), path.join(dir, bundle));
  fs.writeFileSync(tmp("manifest.json"), JSON.stringify({ key, bundle, inputs }));
  fs.renameSync(tmp("manifest.json"), path.join(dir, "manifest.json"));
  for (const f of fs.readdirSync(dir))
    if (/^app-[0-9a-f]{16}\.mjs$/.test(f) && f !== bundle)
      fs.rmSync(path.join(dir, f), { force: true });
};

/** The bundle, built (in a child process) if it is missing or stale; throws why it cannot be had. */
export const ensureBundle = () => {
  const fresh = freshBundle();
  if (fresh !== undefined) return fresh;
  const r = spawnSync(process.execPath, [self, "--build"], { cwd: root, encoding: "utf8" });
  if (r.status !== 0)
    throw new Error(
      `building ${ENTRY} failed: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim()}`,
    );
  const built = freshBundle();
  if (built === undefined)
    throw new Error(`the bundle of ${ENTRY} is stale right after building it (sources changing?)`);
  return built;
};

/** src/node/main.ts's module: from the bundle, else (saying why) through tsx. */
export const leanModule = async () => {
  try {
    return await import(pathToFileURL(ensureBundle()).href);
  } catch (e) {
    process.stderr.write(
      `r3mes: running src/node through tsx (${e instanceof Error ? e.message : String(e)})\n`,
    );
    const { register } = await import("tsx/esm/api");
    register();
    return import("../src/node/main.ts");
  }
};

if (process.argv[1] === self && process.argv[2] === "--build") await build();
