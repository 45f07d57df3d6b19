import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));

// process.execPath is the Node 24 binary that runs vitest (node_modules/.bin/node).
const r3mes = (...args: string[]) =>
  spawnSync(process.execPath, ["bin/r3mes.js", ...args], { cwd: root, encoding: "utf8" });

describe("r3mes CLI", () => {
  it("--help lists the demo subcommand and exits 0", () => {
    const result = r3mes("--help");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/SUBCOMMANDS[\s\S]*\bdemo\b/);
  });

  it("an unknown subcommand exits non-zero with a message", () => {
    const result = r3mes("no-such-command");
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('Unknown subcommand "no-such-command"');
  });
});
