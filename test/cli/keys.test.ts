import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { NodeServices } from "@effect/platform-node";
import { Cause, Effect, Exit } from "effect";
import { Command } from "effect/cli";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { Bip39 } from "@cosmjs/crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { r3mes } from "../../src/cli/app.ts";
import { Keyring } from "../../src/keys/keyring.ts";

/** The command tree in this process; what it printed, and the failure's message if it failed. */
const cli = async (...args: string[]): Promise<{ ok: boolean; out: string; error: string }> => {
  const lines: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => {
    lines.push(a.join(" "));
  });
  const err = vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => {
    lines.push(a.join(" "));
  });
  try {
    const exit = await Effect.runPromiseExit(
      Command.runWith(r3mes, { version: "test" })(args).pipe(Effect.provide(NodeServices.layer)),
    );
    const error = Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "";
    return { ok: Exit.isSuccess(exit), out: lines.join("\n"), error };
  } finally {
    log.mockRestore();
    err.mockRestore();
  }
};

const root = fs.mkdtempSync(path.join(os.tmpdir(), "r3mes-keys-cli-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const dir = path.join(root, "keyring");
const passFile = path.join(root, "pass");
fs.writeFileSync(passFile, "operator passphrase\n");
const wrong = path.join(root, "wrong");
fs.writeFileSync(wrong, "not the passphrase\n");
const kr = ["--keyring-dir", dir];

describe("r3mes keys", () => {
  // The commands below run on a key stored with a cheap KDF (files carry their own cost), so only
  // the one `add` pays the real scrypt cost.
  const mnemonic = Bip39.encode(new Uint8Array(32).fill(42)).toString();
  let address = "";
  beforeAll(async () => {
    address = (
      await new Keyring({ dir, scrypt: { N: 16, r: 8, p: 1 } }).import(
        "op",
        mnemonic,
        "operator passphrase",
      )
    ).address;
  });

  it("is listed by r3mes --help", async () => {
    const h = await cli("--help");
    expect(h.out).toMatch(/keys\s+Encrypted keyring/);
  });

  it("add prints the address and, once, the mnemonic with the advice to write it down; the key is cosmjs's for that mnemonic", async () => {
    const fresh = path.join(root, "fresh");
    const r = await cli(
      "keys",
      "add",
      "new",
      "--keyring-dir",
      fresh,
      "--passphrase-file",
      passFile,
    );
    expect(r.ok, r.error).toBe(true);
    expect(r.out).toMatch(/Write this mnemonic down/);
    const words = r.out.trim().split("\n").at(-1)!;
    expect(words.split(" ")).toHaveLength(24);
    const [acc] = await (
      await DirectSecp256k1HdWallet.fromMnemonic(words, { prefix: "remes" })
    ).getAccounts();
    expect(r.out).toContain(`address: ${acc!.address}`);
    expect(
      (JSON.parse(fs.readFileSync(path.join(fresh, "new.json"), "utf8")) as { kdf: { N: number } })
        .kdf.N,
    ).toBe(2 ** 17);
  }, 30_000);

  it("list and show need no passphrase", async () => {
    expect((await cli("keys", "list", ...kr)).out).toMatch(new RegExp(`^op +${address}$`));
    const s = await cli("keys", "show", "op", ...kr);
    expect(s.out).toContain(`address: ${address}`);
    expect(s.out).toMatch(/^pubkey: {2}A[A-Za-z0-9+/]{43}$/m); // 33-byte compressed key, 0x02/0x03
    expect((await cli("keys", "show", "op", "--address", ...kr)).out).toBe(address);
  });

  it("export needs --unsafe-export-mnemonic and the passphrase, then prints the mnemonic add printed", async () => {
    const refused = await cli("keys", "export", "op", ...kr, "--passphrase-file", passFile);
    expect(refused.ok).toBe(false);
    expect(refused.error).toContain("Add --unsafe-export-mnemonic");
    expect(refused.out).not.toContain(mnemonic.split(" ")[0]!);
    const bad = await cli(
      "keys",
      "export",
      "op",
      "--unsafe-export-mnemonic",
      ...kr,
      "--passphrase-file",
      wrong,
    );
    expect(bad.ok).toBe(false);
    expect(bad.error).toContain('keys export: wrong passphrase for key "op"');
    const ok = await cli(
      "keys",
      "export",
      "op",
      "--unsafe-export-mnemonic",
      ...kr,
      "--passphrase-file",
      passFile,
    );
    expect(ok.out).toBe(mnemonic);
  }, 30_000);

  it("import of a duplicate name or a bad mnemonic fails with a clear message and leaves the keyring as it was", async () => {
    const before = fs.readFileSync(path.join(dir, "op.json"));
    const mf = path.join(root, "mnemonic");
    fs.writeFileSync(mf, `${mnemonic}\n`);
    const dup = await cli(
      "keys",
      "import",
      "op",
      "--mnemonic-file",
      mf,
      ...kr,
      "--passphrase-file",
      passFile,
    );
    expect(dup.error).toContain('a key named "op" already exists');
    // a taken name is refused before any passphrase is asked for (none is given here)
    expect((await cli("keys", "add", "op", ...kr)).error).toContain(
      'a key named "op" already exists',
    );
    fs.writeFileSync(mf, "these are not twelve bip39 words at all no no no\n");
    const bad = await cli(
      "keys",
      "import",
      "op2",
      "--mnemonic-file",
      mf,
      ...kr,
      "--passphrase-file",
      passFile,
    );
    expect(bad.error).toContain("not a valid BIP-39 mnemonic");
    expect(fs.readdirSync(dir)).toEqual(["op.json"]);
    expect(fs.readFileSync(path.join(dir, "op.json"))).toEqual(before);
  });

  it("commands that sign take --from NAME of the keyring: a missing key or a wrong passphrase stops them before they touch the chain", async () => {
    const missing = await cli(
      "proposer",
      "register",
      "--from",
      "nobody",
      ...kr,
      "--passphrase-file",
      passFile,
      "--rpc",
      "http://127.0.0.1:1",
    );
    expect(missing.error).toContain('proposer register: no key named "nobody"');
    expect(missing.error).toContain("it has: op");
    const bad = await cli(
      "proposer",
      "register",
      "--from",
      "op",
      ...kr,
      "--passphrase-file",
      wrong,
      "--rpc",
      "http://127.0.0.1:1",
    );
    expect(bad.error).toContain('wrong passphrase for key "op"');
    // with the right passphrase the key unlocks and it gets as far as the (absent) node
    const unlocked = await cli(
      "proposer",
      "register",
      "--from",
      "op",
      ...kr,
      "--passphrase-file",
      passFile,
      "--rpc",
      "http://127.0.0.1:1",
    );
    expect(unlocked.ok).toBe(false);
    expect(unlocked.error).not.toMatch(/passphrase|no key named/);
    const start = await cli(
      "miner",
      "start",
      "--from",
      "nobody",
      ...kr,
      "--passphrase-file",
      passFile,
      "--world-seed",
      "0".repeat(64),
      "--rpc",
      "http://127.0.0.1:1",
    );
    expect(start.error).toContain('miner start failed: no key named "nobody"');
  }, 30_000);

  it("delete needs --yes without a terminal, then removes the key", async () => {
    const no = await cli("keys", "delete", "op", ...kr);
    expect(no.error).toContain("add --yes");
    expect(new Keyring({ dir }).has("op")).toBe(true);
    const yes = await cli("keys", "delete", "op", "--yes", ...kr);
    expect(yes.out).toBe(`deleted key op (${address}) from ${dir}`);
    expect((await cli("keys", "list", ...kr)).out).toMatch(/no keys in .*r3mes keys add NAME/);
  });
});
