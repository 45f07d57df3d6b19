/**
 * `r3mes send`: the amount is read as REMES (up to 6 decimals) or whole
 * uremes, and each mistake that needs no chain — a bad address, a bad
 * amount, an unknown key — is named plainly before any passphrase or node
 * is asked for.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { formatRemes, parseAmount } from "../../src/cli/commands/send.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const r3mes = (...args: string[]) =>
  spawnSync(process.execPath, ["bin/r3mes.js", ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, R3MES_KEYRING_PASSPHRASE: "" },
  });
const TO = "remes10qc307r2h8dvuuvegaxk5pth0uffhl453w78yf";
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe("r3mes send", () => {
  it("reads REMES with up to 6 decimals, or whole uremes", () => {
    expect(parseAmount("12")).toBe(12_000_000n);
    expect(parseAmount("12remes")).toBe(12_000_000n);
    expect(parseAmount("0.5REMES")).toBe(500_000n);
    expect(parseAmount("1.000001")).toBe(1_000_001n);
    expect(parseAmount("1500uremes")).toBe(1_500n);
    for (const bad of ["", "-1", "1.0000001", "1e6", "12 remes!", "1.5uremes", "abc"])
      expect(() => parseAmount(bad), bad).toThrow(/--amount .*: give REMES/);
    expect(() => parseAmount("0")).toThrow(/more than 0/);
    expect(formatRemes(12_000_000n)).toBe("12");
    expect(formatRemes(1_500_000n)).toBe("1.5");
    expect(formatRemes(1n)).toBe("0.000001");
  });

  it("names a bad address, a bad amount and an unknown key, and exits non-zero", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "r3mes-send-"));
    dirs.push(dir);
    const kr = ["--keyring-dir", dir, "--rpc", "http://127.0.0.1:9"];
    const badTo = r3mes("send", "--from", "op", "--to", "remes1nope", "--amount", "1", ...kr);
    expect(badTo.status).not.toBe(0);
    expect(badTo.stdout + badTo.stderr).toMatch(/send: --to address "remes1nope"/);
    const badAmount = r3mes("send", "--from", "op", "--to", TO, "--amount", "lots", ...kr);
    expect(badAmount.status).not.toBe(0);
    expect(badAmount.stdout + badAmount.stderr).toMatch(/send: --amount lots: give REMES/);
    const noKey = r3mes("send", "--from", "op", "--to", TO, "--amount", "1", ...kr);
    expect(noKey.status).not.toBe(0);
    expect(noKey.stdout + noKey.stderr).toMatch(/send: no key named "op" in keyring/);
  });
});
