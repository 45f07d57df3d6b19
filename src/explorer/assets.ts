/**
 * The browser app's files, built when the explorer starts: esbuild bundles
 * src/explorer/web/main.ts (and Observable Plot, the only library it uses)
 * into one minified ES module, in memory; index.html and app.css are read
 * as they are. Nothing is written to disk.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Assets } from "./server.ts";

const WEB = fileURLToPath(new URL("./web/", import.meta.url));

export const buildAssets = async (): Promise<Assets> => {
  const esbuild = await import("esbuild");
  const out = await esbuild.build({
    entryPoints: [`${WEB}main.ts`],
    bundle: true,
    minify: true,
    format: "esm",
    target: "es2022",
    write: false,
    legalComments: "none",
    logLevel: "silent",
    outfile: "app.js",
  });
  const js = out.outputFiles.find((f) => f.path.endsWith(".js"));
  if (!js) throw new Error("explorer: esbuild produced no app.js");
  return new Map([
    ["/index.html", { body: readFileSync(`${WEB}index.html`), type: "text/html; charset=utf-8" }],
    ["/app.css", { body: readFileSync(`${WEB}app.css`), type: "text/css; charset=utf-8" }],
    ["/app.js", { body: js.contents, type: "text/javascript; charset=utf-8" }],
  ]);
};
