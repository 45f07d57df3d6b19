/**
 * The encrypted keyring: one JSON file per key (DIR/NAME.json, mode 0600, in
 * a 0700 folder) holding a BIP-39 mnemonic encrypted under a passphrase.
 * Keys derive on the Cosmos path m/44'/118'/0'/0/0 with cosmjs, so an address
 * here is the address Keplr or `DirectSecp256k1HdWallet` gives the mnemonic.
 *
 * Crypto, and why: scrypt (memory-hard, N=2^17 r=8 p=1, the OWASP floor) and
 * ChaCha20-Poly1305, both from node:crypto (OpenSSL): well kept, no new
 * dependency, and the KDF runs off the event loop so a daemon unlocking its
 * key does not stall. cosmjs's `DirectSecp256k1HdWallet.serialize` was the
 * other candidate; it is deprecated and uses one fixed salt for every user.
 * Here each file has its own random salt and nonce, the KDF parameters are
 * stored (so they can be raised later), and the clear header (name, address,
 * pubkey, parameters) is the AEAD's associated data, so editing it is caught.
 * The KDF yields 64 bytes: the first 32 key the cipher, the hash of the last
 * 32 is stored as `check`, so a wrong passphrase is told apart from a
 * damaged or altered file (an attacker with the file could guess offline
 * against the AEAD anyway, so the check gives nothing away).
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  randomBytes,
  scrypt as scryptCb,
  timingSafeEqual,
} from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Bip39, EnglishMnemonic } from "@cosmjs/crypto";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { BECH32_PREFIX } from "../node/address.ts";

export const KEY_FILE_TYPE = "r3mes-key-v1";
export const HD_PATH = "m/44'/118'/0'/0/0";
export const MIN_PASSPHRASE_CHARS = 8;
export const PASSPHRASE_ENV = "R3MES_KEYRING_PASSPHRASE";

export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}
export const DEFAULT_SCRYPT: ScryptParams = { N: 1 << 17, r: 8, p: 1 };
/** Bounds on parameters read from a file, so a crafted file cannot ask for gigabytes. */
const MAX_SCRYPT_N = 1 << 20;

/** A key as `list` and `show` see it: no passphrase needed. */
export interface KeyInfo {
  readonly name: string;
  readonly address: string;
  /** Compressed secp256k1 public key, base64. */
  readonly pubkey: string;
  readonly file: string;
}

interface KeyFile {
  readonly type: typeof KEY_FILE_TYPE;
  readonly name: string;
  readonly address: string;
  readonly pubkey: string;
  readonly hdPath: string;
  readonly kdf: {
    readonly algorithm: "scrypt";
    readonly N: number;
    readonly r: number;
    readonly p: number;
    readonly salt: string;
  };
  readonly cipher: { readonly algorithm: "chacha20-poly1305"; readonly nonce: string };
  readonly check: string;
  readonly ciphertext: string;
}

/** Every failure a user can meet, with what to do next in the message. */
export class KeyringError extends Error {
  constructor(
    readonly kind:
      | "missing"
      | "duplicate"
      | "wrong-passphrase"
      | "corrupt"
      | "bad-mnemonic"
      | "bad-name"
      | "weak-passphrase"
      | "no-passphrase",
    message: string,
  ) {
    super(message);
    this.name = "KeyringError";
  }
}

export const defaultKeyringDir = (): string => path.join(os.homedir(), ".r3mes", "keyring");

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const checkName = (name: string): void => {
  if (!NAME_RE.test(name))
    throw new KeyringError(
      "bad-name",
      `key name "${name}": use 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit`,
    );
};

const fileOf = (dir: string, name: string) => path.join(dir, `${name}.json`);
const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");
const unb64 = (s: string) => Buffer.from(s, "base64");

const scrypt = (passphrase: string, salt: Buffer, p: ScryptParams): Promise<Buffer> =>
  new Promise((resolve, reject) =>
    scryptCb(
      passphrase.normalize("NFKD"),
      salt,
      64,
      { N: p.N, r: p.r, p: p.p, maxmem: 256 * p.N * p.r + (1 << 20) },
      (e, k) => (e ? reject(e) : resolve(k)),
    ),
  );

const checkOf = (k: Buffer) => createHash("sha256").update(k.subarray(32)).digest();

/** The associated data: every clear field but the ciphertext, in a fixed order. */
const aad = (f: Omit<KeyFile, "ciphertext">) =>
  Buffer.from(
    JSON.stringify([f.type, f.name, f.address, f.pubkey, f.hdPath, f.kdf, f.cipher, f.check]),
  );

/** Normalizes and checks a mnemonic: English BIP-39 words with a valid checksum. */
export const normalizeMnemonic = (mnemonic: string): string => {
  const words = mnemonic.trim().toLowerCase().split(/\s+/).join(" ");
  try {
    return new EnglishMnemonic(words).toString();
  } catch (e) {
    const n = words === "" ? 0 : words.split(" ").length;
    throw new KeyringError(
      "bad-mnemonic",
      `not a valid BIP-39 mnemonic (${n} words; ${e instanceof Error ? e.message : String(e)}): check each word against the English BIP-39 list and their order`,
    );
  }
};

export const walletOfMnemonic = (mnemonic: string): Promise<DirectSecp256k1HdWallet> =>
  DirectSecp256k1HdWallet.fromMnemonic(mnemonic, { prefix: BECH32_PREFIX });

const publicOf = async (mnemonic: string) => {
  const [acc] = await (await walletOfMnemonic(mnemonic)).getAccounts();
  return { address: acc!.address, pubkey: b64(acc!.pubkey) };
};

const readKeyFile = (file: string, name: string): KeyFile => {
  let raw: string;
  try {
    raw = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new KeyringError("corrupt", `key file ${file} cannot be read (${(e as Error).message})`);
  }
  const bad = (why: string) =>
    new KeyringError(
      "corrupt",
      `key file ${file} is damaged (${why}); restore it from a backup, or delete it ('r3mes keys delete ${name} --yes') and re-import the key from its mnemonic ('r3mes keys import ${name}')`,
    );
  let j: unknown;
  try {
    j = JSON.parse(raw);
  } catch (e) {
    throw bad(`not JSON: ${(e as Error).message}`);
  }
  const f = j as Partial<KeyFile>;
  if (typeof f !== "object" || f === null || f.type !== KEY_FILE_TYPE)
    throw bad(`not a ${KEY_FILE_TYPE} key file`);
  for (const k of ["name", "address", "pubkey", "hdPath", "check", "ciphertext"] as const)
    if (typeof f[k] !== "string") throw bad(`field ${k} missing`);
  if (f.name !== name) throw bad(`it holds key "${f.name}", not "${name}"`);
  const kdf = f.kdf;
  if (
    !kdf ||
    kdf.algorithm !== "scrypt" ||
    typeof kdf.salt !== "string" ||
    ![kdf.N, kdf.r, kdf.p].every(Number.isSafeInteger)
  )
    throw bad("kdf missing");
  if (
    kdf.N < 2 ||
    kdf.N > MAX_SCRYPT_N ||
    (kdf.N & (kdf.N - 1)) !== 0 ||
    kdf.r < 1 ||
    kdf.r > 32 ||
    kdf.p < 1 ||
    kdf.p > 16
  )
    throw bad("kdf parameters out of range");
  if (
    !f.cipher ||
    f.cipher.algorithm !== "chacha20-poly1305" ||
    unb64(f.cipher.nonce ?? "").length !== 12
  )
    throw bad("cipher missing");
  if (unb64(f.ciphertext!).length < 17) throw bad("ciphertext truncated");
  return f as KeyFile;
};

const infoOf = (f: KeyFile, file: string): KeyInfo => ({
  name: f.name,
  address: f.address,
  pubkey: f.pubkey,
  file,
});

export interface KeyringOptions {
  readonly dir: string;
  /** scrypt cost of new files (tests lower it; files keep their own). */
  readonly scrypt?: ScryptParams;
}

/** An encrypted keyring in one folder. */
export class Keyring {
  readonly dir: string;
  private readonly params: ScryptParams;

  constructor(o: KeyringOptions) {
    this.dir = path.resolve(o.dir);
    this.params = o.scrypt ?? DEFAULT_SCRYPT;
  }

  private names(): string[] {
    if (!fs.existsSync(this.dir)) return [];
    return fs
      .readdirSync(this.dir)
      .filter((f) => f.endsWith(".json") && NAME_RE.test(f.slice(0, -5)))
      .map((f) => f.slice(0, -5))
      .sort();
  }

  /** Every key, sorted by name; damaged files are reported, not skipped silently. */
  list(): { keys: KeyInfo[]; damaged: { name: string; error: string }[] } {
    const keys: KeyInfo[] = [];
    const damaged: { name: string; error: string }[] = [];
    for (const name of this.names()) {
      try {
        keys.push(infoOf(readKeyFile(fileOf(this.dir, name), name), fileOf(this.dir, name)));
      } catch (e) {
        damaged.push({ name, error: (e as Error).message });
      }
    }
    return { keys, damaged };
  }

  has(name: string): boolean {
    checkName(name);
    return fs.existsSync(fileOf(this.dir, name));
  }

  private missing(name: string): KeyringError {
    const names = this.names();
    return new KeyringError(
      "missing",
      `no key named "${name}" in keyring ${this.dir} (it has: ${names.join(", ") || "none"}); create it with 'r3mes keys add ${name}' or 'r3mes keys import ${name}', or pass --keyring-dir`,
    );
  }

  private load(name: string): KeyFile {
    checkName(name);
    const file = fileOf(this.dir, name);
    if (!fs.existsSync(file)) throw this.missing(name);
    return readKeyFile(file, name);
  }

  show(name: string): KeyInfo {
    return infoOf(this.load(name), fileOf(this.dir, name));
  }

  /** Decrypts a key's mnemonic; tells a wrong passphrase from a damaged file. */
  async mnemonic(name: string, passphrase: string): Promise<string> {
    const f = this.load(name);
    const file = fileOf(this.dir, name);
    const k = await scrypt(passphrase, unb64(f.kdf.salt), f.kdf);
    if (
      !timingSafeEqual(checkOf(k), unb64(f.check).length === 32 ? unb64(f.check) : Buffer.alloc(32))
    ) {
      throw new KeyringError(
        "wrong-passphrase",
        `wrong passphrase for key "${name}" (${file}); every key of a keyring is under the keyring's passphrase (from --passphrase-file, ${PASSPHRASE_ENV}, or the prompt)`,
      );
    }
    const ct = unb64(f.ciphertext);
    let plain: string;
    try {
      const d = createDecipheriv("chacha20-poly1305", k.subarray(0, 32), unb64(f.cipher.nonce), {
        authTagLength: 16,
      });
      d.setAAD(aad(f), { plaintextLength: ct.length - 16 });
      d.setAuthTag(ct.subarray(ct.length - 16));
      plain = Buffer.concat([d.update(ct.subarray(0, ct.length - 16)), d.final()]).toString("utf8");
    } catch {
      throw new KeyringError(
        "corrupt",
        `key file ${file} was altered or damaged (the passphrase is right but the ciphertext or header fails authentication); restore it from a backup or re-import the key from its mnemonic ('r3mes keys delete ${name} --yes', then 'r3mes keys import ${name}')`,
      );
    }
    const pub = await publicOf(plain);
    if (pub.address !== f.address)
      throw new KeyringError(
        "corrupt",
        `key file ${file} decrypts to ${pub.address}, not its recorded ${f.address}; re-import the key from its mnemonic`,
      );
    return plain;
  }

  /** The signer of a key, for daemons and `register` (`--from NAME`). */
  async wallet(
    name: string,
    passphrase: string,
  ): Promise<{ wallet: DirectSecp256k1HdWallet; address: string }> {
    const wallet = await walletOfMnemonic(await this.mnemonic(name, passphrase));
    return { wallet, address: (await wallet.getAccounts())[0]!.address };
  }

  /**
   * A keyring has one passphrase: the first key sets it (at least
   * MIN_PASSPHRASE_CHARS), later keys must use the same.
   */
  private async checkPassphrase(passphrase: string): Promise<void> {
    const first = this.list().keys[0];
    if (first) {
      const f = this.load(first.name);
      const k = await scrypt(passphrase, unb64(f.kdf.salt), f.kdf);
      if (
        !timingSafeEqual(
          checkOf(k),
          unb64(f.check).length === 32 ? unb64(f.check) : Buffer.alloc(32),
        )
      ) {
        throw new KeyringError(
          "wrong-passphrase",
          `wrong passphrase: it does not open the keyring's existing keys (e.g. "${first.name}"); use the keyring's passphrase, or another --keyring-dir for a new keyring`,
        );
      }
    } else if ([...passphrase].length < MIN_PASSPHRASE_CHARS) {
      throw new KeyringError(
        "weak-passphrase",
        `the passphrase must have at least ${MIN_PASSPHRASE_CHARS} characters`,
      );
    }
  }

  /** Throws the "name taken" error; commands call it before asking for a passphrase. */
  assertFree(name: string): void {
    if (!this.has(name)) return;
    let address = "damaged file";
    try {
      address = this.show(name).address;
    } catch {
      // still taken
    }
    throw new KeyringError(
      "duplicate",
      `a key named "${name}" already exists in ${this.dir} (${address}); choose another name, or delete it first ('r3mes keys delete ${name}')`,
    );
  }

  /** Stores a mnemonic under `name`; never replaces an existing key. */
  async import(name: string, mnemonic: string, passphrase: string): Promise<KeyInfo> {
    checkName(name);
    const words = normalizeMnemonic(mnemonic);
    this.assertFree(name);
    await this.checkPassphrase(passphrase);
    const pub = await publicOf(words);
    const salt = randomBytes(16);
    const nonce = randomBytes(12);
    const k = await scrypt(passphrase, salt, this.params);
    const head: Omit<KeyFile, "ciphertext"> = {
      type: KEY_FILE_TYPE,
      name,
      address: pub.address,
      pubkey: pub.pubkey,
      hdPath: HD_PATH,
      kdf: { algorithm: "scrypt", ...this.params, salt: b64(salt) },
      cipher: { algorithm: "chacha20-poly1305", nonce: b64(nonce) },
      check: b64(checkOf(k)),
    };
    const c = createCipheriv("chacha20-poly1305", k.subarray(0, 32), nonce, { authTagLength: 16 });
    const plain = Buffer.from(words, "utf8");
    c.setAAD(aad(head), { plaintextLength: plain.length });
    const ct = Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
    this.writeNew(name, `${JSON.stringify({ ...head, ciphertext: b64(ct) }, null, 2)}\n`);
    return this.show(name);
  }

  /** A fresh 24-word key; the mnemonic is returned once for the user to write down. */
  async add(name: string, passphrase: string): Promise<KeyInfo & { mnemonic: string }> {
    checkName(name);
    this.assertFree(name);
    const mnemonic = Bip39.encode(randomBytes(32)).toString();
    return { ...(await this.import(name, mnemonic, passphrase)), mnemonic };
  }

  delete(name: string): KeyInfo {
    checkName(name);
    const file = fileOf(this.dir, name);
    if (!fs.existsSync(file)) throw this.missing(name);
    let info: KeyInfo | undefined;
    try {
      info = this.show(name);
    } catch {
      // a damaged file can still be deleted
    }
    fs.unlinkSync(file);
    return info ?? { name, address: "unreadable", pubkey: "", file };
  }

  /**
   * Writes the file beside its final name, then hard-links it into place:
   * link() fails if the name exists, so a race or a crash never replaces a
   * key, and a reader never sees half a file.
   */
  private writeNew(name: string, text: string): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(this.dir, 0o700);
    const tmp = path.join(this.dir, `.${name}.${randomBytes(6).toString("hex")}.tmp`);
    const fd = fs.openSync(tmp, "wx", 0o600);
    try {
      fs.writeSync(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    try {
      fs.linkSync(tmp, fileOf(this.dir, name));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST")
        throw new KeyringError(
          "duplicate",
          `a key named "${name}" already exists in ${this.dir}; nothing was changed`,
        );
      throw e;
    } finally {
      fs.unlinkSync(tmp);
    }
  }
}
