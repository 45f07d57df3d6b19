/**
 * Layering, checked rather than remembered (issue 17):
 *
 * - src/protocol is the deterministic machine both runtimes share: it
 *   imports only its own files, the generated protobuf code (src/gen) and the
 *   few pure libraries it already uses (PROTOCOL_LIBRARIES) — no node:
 *   builtins (no clock, no file system), no node, simulator or CLI code.
 * - src/node (the ABCI app) and src/actors (the actors, also run as live
 *   daemons against a chain) never import the simulator (src/sim) or the
 *   CLI (src/cli): both run without them.
 * - src/explorer/web (the explorer's browser app, bundled for the page)
 *   imports only its own files and Observable Plot: no Node code reaches
 *   the bundle, which stays small.
 *
 * Imports are read with regular expressions (TypeScript 7 has no JS
 * compiler API): static `import … from` / `export … from`, side-effect
 * `import "…"`, and `import("…")` (dynamic or in a type).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..");

/** Packages src/protocol may import (by package name; subpaths included). */
const PROTOCOL_LIBRARIES = [
  "@bufbuild/protobuf",
  "@noble/curves",
  "@noble/hashes",
  "@scure/base",
  "multiformats",
];

interface Source {
  /** Repo-relative, with forward slashes. */
  readonly file: string;
  readonly text: string;
}

const STATIC = /^[ \t]*(?:import|export)\s+(?:type\s+)?[\w*${},\s]+?\s+from\s*["']([^"']+)["']/gm;
const SIDE_EFFECT = /^[ \t]*import\s*["']([^"']+)["']/gm;
const DYNAMIC = /\bimport\(\s*["']([^"']+)["']\s*\)/g;

const importsOf = (text: string): string[] =>
  [STATIC, SIDE_EFFECT, DYNAMIC].flatMap((re) => [...text.matchAll(re)].map((m) => m[1]!));

const packageOf = (spec: string): string =>
  spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!;

/** Repo-relative target of a relative import; undefined for a package. */
const targetOf = (file: string, spec: string): string | undefined =>
  spec.startsWith(".")
    ? path.posix.normalize(path.posix.join(path.posix.dirname(file), spec))
    : undefined;

/** Packages the explorer's browser app may import. */
const WEB_LIBRARIES = ["@observablehq/plot"];

/** Every broken rule, as `file: imports "spec" (why)`. */
const layeringViolations = (sources: readonly Source[]): string[] => {
  const out: string[] = [];
  for (const { file, text } of sources) {
    for (const spec of importsOf(text)) {
      const target = targetOf(file, spec);
      if (file.startsWith("src/protocol/")) {
        const ok =
          target !== undefined
            ? target.startsWith("src/protocol/") || target.startsWith("src/gen/")
            : PROTOCOL_LIBRARIES.includes(packageOf(spec));
        if (!ok)
          out.push(
            `${file}: imports "${spec}" (src/protocol imports only src/protocol, src/gen and ${PROTOCOL_LIBRARIES.join(", ")})`,
          );
      }
      if (file.startsWith("src/explorer/web/")) {
        const ok =
          target !== undefined
            ? target.startsWith("src/explorer/web/")
            : WEB_LIBRARIES.includes(packageOf(spec));
        if (!ok)
          out.push(
            `${file}: imports "${spec}" (src/explorer/web imports only its own files and ${WEB_LIBRARIES.join(", ")})`,
          );
      }
      if (
        (file.startsWith("src/node/") || file.startsWith("src/actors/")) &&
        target !== undefined &&
        (target.startsWith("src/sim/") || target.startsWith("src/cli/"))
      ) {
        out.push(
          `${file}: imports "${spec}" (src/node and src/actors never import src/sim or src/cli)`,
        );
      }
    }
  }
  return out;
};

const sourcesUnder = (dir: string): Source[] =>
  fs
    .readdirSync(path.join(root, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .sort()
    .map((f) => {
      const file = path.posix.join(dir, f.split(path.sep).join("/"));
      return { file, text: fs.readFileSync(path.join(root, file), "utf8") };
    });

describe("architecture", () => {
  const sources = ["src/protocol", "src/node", "src/actors", "src/explorer/web"].flatMap(
    sourcesUnder,
  );

  it("src/protocol imports only its own files, generated code and its libraries; src/node and src/actors never import src/sim or src/cli", () => {
    expect(layeringViolations(sources)).toEqual([]);
  });

  it("the import reader sees every form of import (so the check above cannot pass by reading nothing)", () => {
    const text = [
      'import { a, type B } from "./a.ts";',
      "import type {\n  C,\n  D as E,\n} from '../b.ts';",
      'import * as fs from "node:fs";',
      'export { f } from "./f.ts";',
      'export * from "./g.ts";',
      'import "./side.ts";',
      'const x = await import("./dyn.ts");',
      'type T = typeof import("./t.ts");',
      ' * not an import: text from "./comment.ts" in a comment',
    ].join("\n");
    expect(importsOf(text).sort()).toEqual(
      [
        "../b.ts",
        "./a.ts",
        "./dyn.ts",
        "./f.ts",
        "./g.ts",
        "./side.ts",
        "./t.ts",
        "node:fs",
      ].sort(),
    );
    // The real tree: the machine imports its state, the app its consensus connection.
    const machine = sources.find((s) => s.file === "src/protocol/machine.ts")!;
    expect(importsOf(machine.text)).toContain("./state.ts");
    expect(sources.filter((s) => s.file.startsWith("src/node/")).length).toBeGreaterThan(10);
  });

  it("given a planted Node import in the explorer's browser app, then it is named with its rule", () => {
    expect(
      layeringViolations([
        {
          file: "src/explorer/web/views/x.ts",
          text: 'import * as fs from "node:fs";\nimport { rpc } from "../api.ts";\nimport { plot } from "@observablehq/plot";\nimport { restHandler } from "../../../node/rest.ts";',
        },
      ]),
    ).toEqual([
      'src/explorer/web/views/x.ts: imports "node:fs" (src/explorer/web imports only its own files and @observablehq/plot)',
      'src/explorer/web/views/x.ts: imports "../../../node/rest.ts" (src/explorer/web imports only its own files and @observablehq/plot)',
    ]);
  });

  it("given planted bad imports, then each is named with its rule", () => {
    const planted: Source[] = [
      {
        file: "src/protocol/x.ts",
        text: 'import * as fs from "node:fs";\nimport { Y } from "../node/app.ts";\nimport { bech32 } from "@scure/base";\nimport { Z } from "../gen/remes/v1/types_pb.ts";',
      },
      {
        file: "src/actors/live/y.ts",
        text: 'import type { RunSink } from "../../sim/sink.ts";\nimport { RemesApp } from "../../node/app.ts";',
      },
      { file: "src/node/z.ts", text: 'const cli = await import("../cli/app.ts");' },
    ];
    expect(layeringViolations(planted)).toEqual([
      'src/protocol/x.ts: imports "node:fs" (src/protocol imports only src/protocol, src/gen and @bufbuild/protobuf, @noble/curves, @noble/hashes, @scure/base, multiformats)',
      'src/protocol/x.ts: imports "../node/app.ts" (src/protocol imports only src/protocol, src/gen and @bufbuild/protobuf, @noble/curves, @noble/hashes, @scure/base, multiformats)',
      'src/actors/live/y.ts: imports "../../sim/sink.ts" (src/node and src/actors never import src/sim or src/cli)',
      'src/node/z.ts: imports "../cli/app.ts" (src/node and src/actors never import src/sim or src/cli)',
    ]);
  });
});
