/** `r3mes gov`: its help, the proposal id a submit reads from its tx's events, and a bad vote option refused before anything is signed. */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { proposalIdOf } from "../../src/cli/commands/gov.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const r3mes = (...args: string[]) =>
  spawnSync(process.execPath, ["bin/r3mes.js", ...args], { cwd: root, encoding: "utf8" });

describe("r3mes gov", () => {
  it("reads the proposal id from remes.proposalSubmitted (id 0 is left out, as protobuf JSON leaves defaults out)", () => {
    const submitted = (attributes: { key: string; value: string }[]) => [
      { type: "tx", attributes: [{ key: "fee", value: "4000uremes" }] },
      { type: "remes.proposalSubmitted", attributes },
    ];
    expect(proposalIdOf(submitted([{ key: "proposalId", value: "7" }]))).toBe("7");
    expect(proposalIdOf(submitted([{ key: "proposer", value: "remes1…" }]))).toBe("0");
    expect(proposalIdOf([{ type: "tx", attributes: [] }])).toBeUndefined();
  });

  it("lists submit-upgrade and vote, and refuses an unknown vote option without signing", () => {
    const help = r3mes("gov", "--help");
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/SUBCOMMANDS[\s\S]*submit-upgrade[\s\S]*vote/);
    const bad = r3mes(
      "gov",
      "vote",
      "--from",
      "nobody",
      "--proposal",
      "0",
      "--option",
      "maybe",
      "--rpc",
      "http://127.0.0.1:1",
    );
    expect(bad.status).not.toBe(0);
    expect(bad.stdout + bad.stderr).toContain(
      "--option maybe: one of yes, no, abstain, no_with_veto",
    );
  });
});
