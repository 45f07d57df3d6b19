/**
 * Packages that ship prebuilt native binaries for every platform in one
 * folder (onnxruntime-node: bin/napi-v6/{darwin,linux,win32}/{arm64,x64})
 * carry hundreds of MB the image never loads: keep only the image's
 * platform and architecture.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** Folders laid out as …/PLATFORM/ARCH/ with prebuilt binaries, relative to node_modules. */
export const PER_PLATFORM_DIRS = ["onnxruntime-node/bin/napi-v6"] as const;

const sizeOf = (p: string): number => {
  const st = fs.lstatSync(p);
  if (!st.isDirectory()) return st.size;
  return fs.readdirSync(p).reduce((n, f) => n + sizeOf(path.join(p, f)), 0);
};

/** Removes other platforms' and architectures' binaries; returns the MiB removed. */
export const pruneForeignBinaries = (
  nodeModules: string,
  platform: string,
  arch: string,
): number => {
  let bytes = 0;
  const rm = (p: string) => {
    bytes += sizeOf(p);
    fs.rmSync(p, { recursive: true, force: true });
  };
  for (const rel of PER_PLATFORM_DIRS) {
    const dir = path.join(nodeModules, rel);
    if (!fs.existsSync(dir)) continue;
    for (const p of fs.readdirSync(dir)) {
      if (p !== platform) {
        rm(path.join(dir, p));
        continue;
      }
      for (const a of fs.readdirSync(path.join(dir, p))) if (a !== arch) rm(path.join(dir, p, a));
    }
  }
  return Math.round(bytes / (1 << 20));
};

/** Files no running process reads: source maps, type declarations, TypeScript sources, markdown. */
export const isDevOnlyFile = (name: string): boolean =>
  /\.(map|md|markdown)$/i.test(name) || /\.[cm]?ts$/.test(name) || /\.d\.[cm]?ts$/.test(name);

/** Removes dev-only files (isDevOnlyFile) under node_modules; returns the MiB removed. */
export const pruneDevFiles = (nodeModules: string): number => {
  let bytes = 0;
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && isDevOnlyFile(e.name)) {
        bytes += fs.statSync(p).size;
        fs.rmSync(p);
      }
    }
  };
  walk(nodeModules);
  return Math.round(bytes / (1 << 20));
};
