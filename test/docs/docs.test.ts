import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { tablesMarkdown } from "../../src/sim/outputs/tables-doc.ts";

const root = resolve(import.meta.dirname, "../..");

/** Relative markdown links of a file, without anchors or external URLs. */
const links = (file: string): string[] =>
  [...readFileSync(file, "utf8").matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)]
    .map((m) => m[1]!)
    .filter((l) => !/^[a-z]+:/.test(l));

describe("docs", () => {
  it("docs/tables.md is generated from the tables schema (run `npm run docs:tables` after changing tables.ts)", () => {
    expect(readFileSync(join(root, "docs/tables.md"), "utf8")).toBe(tablesMarkdown());
  });

  it("every relative link in README.md, docs/ and scenarios/ points at a file that exists", () => {
    const files = [
      join(root, "README.md"),
      ...readdirSync(join(root, "docs"))
        .filter((f) => f.endsWith(".md"))
        .map((f) => join(root, "docs", f)),
    ];
    for (const dir of ["scenarios", "scenarios/attacks"]) {
      const d = join(root, dir);
      if (existsSync(d))
        files.push(
          ...readdirSync(d)
            .filter((f) => f.endsWith(".md"))
            .map((f) => join(d, f)),
        );
    }
    const broken = files.flatMap((f) =>
      links(f)
        .filter((l) => !existsSync(resolve(dirname(f), l)))
        .map((l) => `${f.slice(root.length + 1)} → ${l}`),
    );
    expect(broken).toEqual([]);
  });
});
