import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { Bip39, EnglishMnemonic } from "@cosmjs/crypto";
import { DEFAULT_SCRYPT, Keyring, KeyringError, PASSPHRASE_ENV } from "../../src/keys/keyring.ts";
import { passphraseFrom } from "../../src/keys/passphrase.ts";
import { addressOfPubkey } from "../../src/node/address.ts";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "r3mes-keyring-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;
/** A fresh keyring with a cheap KDF (the files record their own cost, so the code path is the same). */
const fresh = () => new Keyring({ dir: path.join(root, `k${n++}`), scrypt: { N: 16, r: 8, p: 1 } });
const PASS = "correct horse battery";

/** Runs `f` and returns the KeyringError it throws (fails the test if it throws anything else or nothing). */
const failure = async (f: () => unknown): Promise<KeyringError> => {
  try {
    await f();
  } catch (e) {
    expect(e).toBeInstanceOf(KeyringError);
    return e as KeyringError;
  }
  throw new Error("expected a KeyringError");
};

const cosmjsAddress = async (mnemonic: string) => {
  const [a] = await (
    await DirectSecp256k1HdWallet.fromMnemonic(mnemonic, { prefix: "remes" })
  ).getAccounts();
  return { address: a!.address, pubkey: Buffer.from(a!.pubkey).toString("base64") };
};

describe("encrypted keyring", () => {
  it("round trip: add stores a 24-word key whose address and pubkey are cosmjs's for the mnemonic (m/44'/118'/0'/0/0, remes prefix); the passphrase gets the mnemonic back", async () => {
    const kr = fresh();
    const k = await kr.add("alice", PASS);
    expect(k.mnemonic.split(" ")).toHaveLength(24);
    expect(() => new EnglishMnemonic(k.mnemonic)).not.toThrow();
    const ref = await cosmjsAddress(k.mnemonic);
    expect(k.address).toBe(ref.address);
    expect(k.address).toMatch(/^remes1/);
    expect(k.pubkey).toBe(ref.pubkey);
    expect(addressOfPubkey(Buffer.from(k.pubkey, "base64"))).toBe(k.address);
    expect(await kr.mnemonic("alice", PASS)).toBe(k.mnemonic);
    const { address } = await kr.wallet("alice", PASS);
    expect(address).toBe(k.address);
    expect(kr.show("alice")).toMatchObject({ name: "alice", address: k.address, pubkey: k.pubkey });
    // the mnemonic is nowhere in clear on disk
    expect(fs.readFileSync(kr.show("alice").file, "utf8")).not.toContain(
      k.mnemonic.split(" ").slice(0, 3).join(" "),
    );
  });

  it("import gives, for any entropy, the address cosmjs derives, and list shows every key sorted by name", async () => {
    const kr = fresh();
    const names: string[] = [];
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.boolean(),
        async (e16, e32, long) => {
          const mnemonic = Bip39.encode(long ? e32 : e16).toString();
          const name = `k${names.length}`;
          names.push(name);
          // sloppy spacing and case are normalized
          const k = await kr.import(
            name,
            `  ${mnemonic.toUpperCase().replace(/ /g, "   ")}\n`,
            PASS,
          );
          expect(k.address).toBe((await cosmjsAddress(mnemonic)).address);
          expect(await kr.mnemonic(name, PASS)).toBe(mnemonic);
        },
      ),
      { numRuns: 8 },
    );
    expect(kr.list().keys.map((k) => k.name)).toEqual([...names].sort());
    expect(kr.list().damaged).toEqual([]);
  });

  it("files are 0600 in a 0700 folder, and new keyrings default to scrypt N=2^17", async () => {
    const kr = fresh();
    await kr.add("bob", PASS);
    expect(fs.statSync(kr.dir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(kr.show("bob").file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(kr.dir)).toEqual(["bob.json"]);
    expect(DEFAULT_SCRYPT).toEqual({ N: 131072, r: 8, p: 1 });
  });

  it("a wrong passphrase is told apart and changes nothing; a new key must use the keyring's passphrase; a first passphrase needs 8 characters", async () => {
    const kr = fresh();
    expect((await failure(() => kr.add("a", "short"))).kind).toBe("weak-passphrase");
    expect(fs.existsSync(kr.dir) ? fs.readdirSync(kr.dir) : []).toEqual([]);
    await kr.add("a", PASS);
    const before = fs.readFileSync(kr.show("a").file);
    const wrong = await failure(() => kr.mnemonic("a", "not the passphrase"));
    expect(wrong.kind).toBe("wrong-passphrase");
    expect(wrong.message).toMatch(/wrong passphrase for key "a"/);
    expect(fs.readFileSync(kr.show("a").file)).toEqual(before);
    const other = await failure(() => kr.add("b", "another passphrase"));
    expect(other.kind).toBe("wrong-passphrase");
    expect(kr.has("b")).toBe(false);
  });

  it("a missing key names the keys there are and how to make one", async () => {
    const kr = fresh();
    await kr.add("val0", PASS);
    const e = await failure(() => kr.wallet("val1", PASS));
    expect(e.kind).toBe("missing");
    expect(e.message).toContain("it has: val0");
    expect(e.message).toContain("r3mes keys add val1");
    expect((await failure(() => fresh().show("x"))).message).toContain("it has: none");
    expect((await failure(() => kr.delete("nope"))).kind).toBe("missing");
  });

  it("a duplicate name is refused by add and import and never overwrites the key", async () => {
    const kr = fresh();
    const k = await kr.add("dup", PASS);
    const before = fs.readFileSync(k.file);
    expect((await failure(() => kr.add("dup", PASS))).kind).toBe("duplicate");
    const other = Bip39.encode(new Uint8Array(16).fill(7)).toString();
    const e = await failure(() => kr.import("dup", other, PASS));
    expect(e.kind).toBe("duplicate");
    expect(e.message).toContain(k.address);
    expect(fs.readFileSync(k.file)).toEqual(before);
    expect(await kr.mnemonic("dup", PASS)).toBe(k.mnemonic);
  });

  it("bad mnemonics (checksum, unknown word, word count, empty) are refused and nothing is written", async () => {
    const kr = fresh();
    const good = Bip39.encode(new Uint8Array(16).fill(1)).toString().split(" ");
    const lastSwapped = [...good.slice(0, 11), good[11] === "abandon" ? "ability" : "abandon"].join(
      " ",
    );
    for (const bad of [
      lastSwapped,
      [...good.slice(0, 11), "notaword"].join(" "),
      good.slice(0, 11).join(" "),
      "  ",
    ]) {
      const e = await failure(() => kr.import("m", bad, PASS));
      expect(e.kind).toBe("bad-mnemonic");
      expect(e.message).toMatch(/not a valid BIP-39 mnemonic/);
    }
    expect(kr.has("m")).toBe(false);
  });

  it("names that are not plain file names are refused", async () => {
    const kr = fresh();
    for (const bad of ["../evil", "a/b", ".hidden", "", "x".repeat(65)])
      expect((await failure(() => kr.add(bad, PASS))).kind).toBe("bad-name");
  });

  describe("a corrupt file says so and what to do, and list reports it", () => {
    const damaged = async (edit: (text: string) => string) => {
      const kr = fresh();
      await kr.add("good", PASS);
      await kr.add("bad", PASS);
      const file = kr.show("bad").file;
      fs.writeFileSync(file, edit(fs.readFileSync(file, "utf8")));
      const e = await failure(() => kr.mnemonic("bad", PASS));
      expect(e.kind).toBe("corrupt");
      expect(e.message).toContain("r3mes keys import bad");
      expect(kr.list().keys.map((k) => k.name)).toEqual(
        kr.list().damaged.length ? ["good"] : ["bad", "good"],
      );
      expect(await kr.mnemonic("good", PASS)).toBeTruthy();
      return { kr, e };
    };
    it("truncated", async () => {
      const { kr, e } = await damaged((t) => t.slice(0, t.length / 2));
      expect(e.message).toMatch(/damaged \(not JSON/);
      expect(kr.list().damaged.map((d) => d.name)).toEqual(["bad"]);
    });
    it("not JSON at all", async () => {
      expect((await damaged(() => "hello")).e.message).toMatch(/not JSON/);
    });
    it("JSON of another shape", async () => {
      expect((await damaged(() => '{"keys": {}}')).e.message).toMatch(
        /not a r3mes-key-v1 key file/,
      );
    });
    it("tampered ciphertext (the passphrase is right: altered, not a wrong passphrase)", async () => {
      const { e } = await damaged((t) => {
        const j = JSON.parse(t) as { ciphertext: string };
        const ct = Buffer.from(j.ciphertext, "base64");
        ct[3]! ^= 1;
        return JSON.stringify({ ...j, ciphertext: ct.toString("base64") });
      });
      expect(e.message).toMatch(/altered or damaged/);
    });
    it("tampered clear address (it is authenticated)", async () => {
      const { e } = await damaged((t) => {
        const j = JSON.parse(t) as { address: string };
        return JSON.stringify({ ...j, address: "remes1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqlzqu7k" });
      });
      expect(e.message).toMatch(/altered or damaged/);
    });
    it("a KDF cost out of range is refused before running it", async () => {
      const { e } = await damaged((t) => {
        const j = JSON.parse(t) as { kdf: object };
        return JSON.stringify({ ...j, kdf: { ...j.kdf, N: 2 ** 30 } });
      });
      expect(e.message).toMatch(/kdf parameters out of range/);
    });
  });

  it("delete removes the key and only it; a damaged key can be deleted too", async () => {
    const kr = fresh();
    await kr.add("a", PASS);
    const b = await kr.add("b", PASS);
    expect(kr.delete("b")).toMatchObject({ name: "b", address: b.address });
    expect(kr.list().keys.map((k) => k.name)).toEqual(["a"]);
    fs.writeFileSync(kr.show("a").file, "{");
    expect(kr.delete("a").address).toBe("unreadable");
    expect(fs.readdirSync(kr.dir)).toEqual([]);
  });
});

describe("passphrase sources", () => {
  const file = path.join(root, "pass");
  it("a file's first line wins, then the environment variable, then the prompt", async () => {
    fs.writeFileSync(file, "from file\nsecond line\n");
    const prompt = async () => "typed";
    expect(await passphraseFrom({ file, env: { [PASSPHRASE_ENV]: "env" }, prompt })).toBe(
      "from file",
    );
    expect(await passphraseFrom({ env: { [PASSPHRASE_ENV]: "env" }, prompt })).toBe("env");
    expect(await passphraseFrom({ env: {}, prompt })).toBe("typed");
  });
  it("without a terminal and without file or variable it says what to give; a missing file is named; a mistyped confirmation writes nothing", async () => {
    expect((await failure(() => passphraseFrom({ env: {} }))).message).toMatch(
      /--passphrase-file FILE, set R3MES_KEYRING_PASSPHRASE/,
    );
    expect(
      (await failure(() => passphraseFrom({ file: path.join(root, "nope"), env: {} }))).message,
    ).toMatch(/nope does not exist/);
    let i = 0;
    expect(
      (await failure(() => passphraseFrom({ env: {}, prompt: async () => `p${i++}` }, true)))
        .message,
    ).toMatch(/differ/);
  });
});
