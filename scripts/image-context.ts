/**
 * The build context of the project's image (scripts/image.sh):
 *   OUT/Containerfile   (src/image/containerfile.ts)
 *   OUT/node            the Node 24 binary of the `node` npm package (debug symbols stripped)
 *   OUT/app/            package.json, the lockfile, bin/, src/ (with src/gen), reports/, scenarios/,
 *                       scripts/setup-tools.sh (the pinned tool versions), the runtime node_modules
 *                       (src/image/closure.ts) and .tools/bin/{cometbft,ipfs}
 * Usage: tsx scripts/image-context.ts OUT --base IMAGE --commit SHA --dirty true|false
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { runtimeClosure, type Lockfile } from "../src/image/closure.ts";
import { containerfile } from "../src/image/containerfile.ts";
import { pruneDevFiles, pruneForeignBinaries } from "../src/image/prune.ts";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    base: { type: "string" },
    commit: { type: "string", default: "unknown" },
    dirty: { type: "string", default: "false" },
  },
});
const out = positionals[0];
if (!out || !values.base)
  throw new Error("usage: image-context.ts OUT --base IMAGE [--commit SHA]");
const root = path.resolve(import.meta.dirname, "..");
const app = path.join(out, "app");
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(app, { recursive: true });

const copy = (rel: string, to = rel) =>
  fs.cpSync(path.join(root, rel), path.join(app, to), { recursive: true, dereference: true });
for (const rel of [
  "package.json",
  "package-lock.json",
  "bin",
  "src",
  "reports",
  "scenarios",
  "scripts/setup-tools.sh",
])
  copy(rel);

// node_modules: the runtime closure, each package without its own nested node_modules (those
// nested packages the closure needs are copied under their own keys).
const lock = JSON.parse(fs.readFileSync(path.join(root, "package-lock.json"), "utf8")) as Lockfile;
const keys = runtimeClosure(lock, ["tsx"], (k) => fs.existsSync(path.join(root, k)));
for (const key of keys) {
  const from = fs.realpathSync(path.join(root, key));
  fs.cpSync(from, path.join(app, key), {
    recursive: true,
    dereference: true,
    filter: (src) =>
      src === from || !path.relative(from, src).split(path.sep).includes("node_modules"),
  });
}
const pruned =
  pruneForeignBinaries(path.join(app, "node_modules"), "linux", "x64") +
  pruneDevFiles(path.join(app, "node_modules"));

// CometBFT and Kubo: static Go binaries from scripts/setup-tools.sh.
fs.mkdirSync(path.join(app, ".tools/bin"), { recursive: true });
for (const b of ["cometbft", "ipfs"]) copy(`.tools/bin/${b}`);

// Node 24: the `node` devDependency's binary (what every npm script here runs), not the machine's Node.
const node = fs.realpathSync(path.join(root, "node_modules/.bin/node"));
const nodeVersion = execFileSync(node, ["--version"], { encoding: "utf8" }).trim();
if (!nodeVersion.startsWith("v24.")) throw new Error(`${node} is ${nodeVersion}, not Node 24`);
fs.copyFileSync(node, path.join(out, "node"));
// Node's and the Go tools' debug info: the image has no debugger.
for (const bin of [
  path.join(out, "node"),
  ...["cometbft", "ipfs"].map((b) => path.join(app, ".tools/bin", b)),
])
  try {
    execFileSync("strip", ["--strip-debug", bin]);
  } catch {
    process.stderr.write(`image-context: could not strip ${bin}; it keeps its debug info\n`);
  }
fs.chmodSync(path.join(out, "node"), 0o755);

const pin = (re: RegExp) =>
  re.exec(fs.readFileSync(path.join(root, "scripts/setup-tools.sh"), "utf8"))?.[1] ?? "?";
fs.writeFileSync(
  path.join(out, "Containerfile"),
  containerfile({
    base: values.base,
    commit: values.commit!,
    dirty: values.dirty === "true",
    nodeVersion,
    cometbftVersion: pin(/^COMETBFT_VERSION="([^"]+)"/m),
    kuboVersion: pin(/^KUBO_VERSION="([^"]+)"/m),
  }),
);
const mib = (dir: string) =>
  Number(execFileSync("du", ["-sm", dir], { encoding: "utf8" }).split("\t")[0]);
console.log(
  `image-context: ${keys.length} packages (${mib(path.join(app, "node_modules"))} MiB, ${pruned} MiB of other platforms' binaries, source maps, types and docs left out), node ${nodeVersion} (${mib(path.join(out, "node"))} MiB), app ${mib(app)} MiB`,
);
