/**
 * `r3mes send` against a real single-node chain: the dev key pays an
 * address (whole and decimal REMES), the recipient's balance grows by
 * exactly that and the sender's falls by it plus the fee; a key holding too
 * little is refused before anything is signed, naming what it holds.
 */
import { execFile, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { StargateClient } from "@cosmjs/stargate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliTxFee } from "../../src/cli/commands/tx.ts";
import { Keyring } from "../../src/keys/keyring.ts";
import { TESTNET_SCRYPT } from "../../src/testnet/state.ts";
import { LocalChain, root, TEST_MNEMONIC } from "../node/harness.ts";

describe("r3mes send (real CometBFT)", () => {
  let chain: LocalChain;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "r3mes-send-it-"));
  const keyring = path.join(dir, "keyring");
  const pass = path.join(dir, "pass");
  let poor = "";
  const TO = "remes10qc307r2h8dvuuvegaxk5pth0uffhl453w78yf";

  beforeAll(async () => {
    chain = await LocalChain.create();
    chain.start();
    fs.writeFileSync(pass, "correct horse battery\n");
    const kr = new Keyring({ dir: keyring, scrypt: TESTNET_SCRYPT });
    await kr.import("dev", TEST_MNEMONIC, "correct horse battery");
    poor = (await kr.add("poor", "correct horse battery")).address;
    await chain.waitForHeight(2);
  }, 240_000);
  afterAll(async () => {
    await chain?.stop();
    chain?.remove();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Runs `r3mes send` without blocking the event loop (a blocked loop leaves dead kept-alive sockets in fetch's pool). */
  const send = (from: string, to: string, amount: string) =>
    new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [
          "bin/r3mes.js",
          "send",
          "--from",
          from,
          "--to",
          to,
          "--amount",
          amount,
          "--rpc",
          chain.rpc,
          "--keyring-dir",
          keyring,
          "--passphrase-file",
          pass,
        ],
        { cwd: root, encoding: "utf8" },
        (e, stdout, stderr) =>
          resolve({ status: e ? ((e.code as number | undefined) ?? 1) : 0, stdout, stderr }),
      );
    });

  it("pays an address from a key of the keyring; balances move by the amount and the fee", async () => {
    const balance = async (a: string) => {
      const reader = await StargateClient.connect(chain.rpc);
      try {
        return BigInt((await reader.getBalance(a, "uremes")).amount);
      } finally {
        reader.disconnect();
      }
    };
    const dev = execFileSync(
      process.execPath,
      ["bin/r3mes.js", "keys", "show", "dev", "--keyring-dir", keyring],
      { cwd: root, encoding: "utf8" },
    ).match(/remes1[0-9a-z]+/)![0];
    const [devBefore, toBefore] = [await balance(dev), await balance(TO)];
    const r = await send("dev", TO, "250");
    expect(r.status, r.stdout + r.stderr).toBe(0);
    console.log(`r3mes send: ${r.stdout.trim()}`);
    expect(r.stdout).toMatch(
      new RegExp(`sent 250 REMES from dev \\(${dev}\\) to ${TO} at height \\d+`),
    );
    const r2 = await send("dev", TO, "0.5remes");
    expect(r2.status, r2.stdout + r2.stderr).toBe(0);
    expect(await balance(TO)).toBe(toBefore + 250_500_000n);
    expect(await balance(dev)).toBe(devBefore - 250_500_000n - 2n * cliTxFee);
  }, 120_000);

  it("refuses a key that holds too little before signing, and names an unknown key", async () => {
    const r = await send("poor", TO, "1");
    expect(r.status).not.toBe(0);
    console.log(`r3mes send: ${(r.stdout + r.stderr).trim()}`);
    expect(r.stdout + r.stderr).toMatch(
      new RegExp(
        `send: insufficient funds: poor \\(${poor}\\) holds 0 REMES; sending 1 REMES takes`,
      ),
    );
    const u = await send("nobody", TO, "1");
    expect(u.status).not.toBe(0);
    expect(u.stdout + u.stderr).toMatch(/send: no key named "nobody".*it has: dev, poor/);
  }, 60_000);
});
