/**
 * `r3mes keys add|import|list|show|export|delete`: the encrypted keyring
 * (src/keys/keyring.ts) that `--from NAME` of the role daemons and `register`
 * reads. Passphrases: --passphrase-file, R3MES_KEYRING_PASSPHRASE, or a
 * prompt without echo (src/keys/passphrase.ts).
 */
import * as fs from "node:fs";
import { Effect, Option } from "effect";
import { Argument, Command, Flag } from "effect/cli";
import { defaultKeyringDir, Keyring, KeyringError, PASSPHRASE_ENV } from "../../keys/keyring.ts";
import { passphraseFrom, terminalPrompt } from "../../keys/passphrase.ts";
import { userFailure } from "../errors.ts";

/** Flags every command that opens the keyring takes (also the daemons' and `register`'s). */
export const keyringFlags = {
  keyringDir: Flag.String("keyring-dir").pipe(
    Flag.withDescription("Folder of the encrypted keyring (default ~/.r3mes/keyring)"),
    Flag.optional,
  ),
  passphraseFile: Flag.String("passphrase-file").pipe(
    Flag.withDescription(
      `File whose first line is the keyring passphrase (else ${PASSPHRASE_ENV}, else a prompt)`,
    ),
    Flag.optional,
  ),
};

type Maybe = Option.Option<string> | string | undefined;
const get = (v: Maybe): string | undefined => (Option.isOption(v) ? Option.getOrUndefined(v) : v);

export const keyringAt = (dir: Maybe): Keyring =>
  new Keyring({ dir: get(dir) ?? defaultKeyringDir() });

export const passphraseOf = (file: Maybe, confirm = false): Promise<string> => {
  const prompt = terminalPrompt();
  const f = get(file);
  return passphraseFrom(
    { ...(f !== undefined ? { file: f } : {}), ...(prompt ? { prompt } : {}) },
    confirm,
  );
};

/** The signer behind `--from NAME`: unlocks the key with the passphrase from its sources. */
export const signerFrom = async (
  name: string,
  f: { keyringDir?: Maybe; passphraseFile?: Maybe },
) => {
  const kr = keyringAt(f.keyringDir);
  kr.show(name); // an unknown key is named before any passphrase is asked for
  return kr.wallet(name, await passphraseOf(f.passphraseFile));
};

const nameArg = Argument.String("name").pipe(
  Argument.withDescription("Name of the key (letters, digits, '.', '_', '-')"),
);

const run = (what: string, body: () => Promise<void>) =>
  Effect.tryPromise({ try: body, catch: userFailure(`keys ${what}`) });

const add = Command.make("add", { name: nameArg, ...keyringFlags }, (f) =>
  run("add", async () => {
    const kr = keyringAt(f.keyringDir);
    kr.assertFree(f.name); // before asking anything
    const isNew = kr.list().keys.length === 0;
    const k = await kr.add(f.name, await passphraseOf(f.passphraseFile, isNew));
    console.log(
      [
        `added key ${k.name} to ${kr.dir}`,
        `  address: ${k.address}`,
        `  pubkey:  ${k.pubkey}`,
        "",
        "Write this mnemonic down and keep it offline. It is the only way to recover the key",
        "if the keyring or its passphrase is lost, and it is not shown again:",
        "",
        k.mnemonic,
      ].join("\n"),
    );
  }),
).pipe(
  Command.withDescription(
    "Create a key (24-word BIP-39 mnemonic, path m/44'/118'/0'/0/0) and print its mnemonic once",
  ),
);

const importCmd = Command.make(
  "import",
  {
    name: nameArg,
    ...keyringFlags,
    mnemonicFile: Flag.String("mnemonic-file").pipe(
      Flag.withDescription(
        "File holding the mnemonic (else it is asked for at the terminal, without echo)",
      ),
      Flag.optional,
    ),
  },
  (f) =>
    run("import", async () => {
      const kr = keyringAt(f.keyringDir);
      kr.assertFree(f.name);
      let mnemonic: string;
      if (Option.isSome(f.mnemonicFile)) {
        if (!fs.existsSync(f.mnemonicFile.value))
          throw new KeyringError(
            "bad-mnemonic",
            `--mnemonic-file ${f.mnemonicFile.value} does not exist`,
          );
        mnemonic = fs.readFileSync(f.mnemonicFile.value, "utf8");
      } else {
        const prompt = terminalPrompt();
        if (!prompt)
          throw new KeyringError(
            "bad-mnemonic",
            "no mnemonic: give --mnemonic-file FILE, or run in a terminal to be asked",
          );
        mnemonic = await prompt("Mnemonic (BIP-39 words): ");
      }
      const k = await kr.import(
        f.name,
        mnemonic,
        await passphraseOf(f.passphraseFile, kr.list().keys.length === 0),
      );
      console.log(
        `imported key ${k.name} to ${kr.dir}\n  address: ${k.address}\n  pubkey:  ${k.pubkey}`,
      );
    }),
).pipe(Command.withDescription("Store an existing BIP-39 mnemonic under a name"));

const list = Command.make("list", { keyringDir: keyringFlags.keyringDir }, (f) =>
  run("list", async () => {
    const kr = keyringAt(f.keyringDir);
    const { keys, damaged } = kr.list();
    if (keys.length === 0 && damaged.length === 0) {
      console.log(`no keys in ${kr.dir}; create one with 'r3mes keys add NAME'`);
      return;
    }
    const w = Math.max(4, ...keys.map((k) => k.name.length));
    for (const k of keys) console.log(`${k.name.padEnd(w)}  ${k.address}`);
    for (const d of damaged) console.error(`${d.name.padEnd(w)}  DAMAGED: ${d.error}`);
  }),
).pipe(Command.withDescription("Names and addresses of the keys (no passphrase needed)"));

const show = Command.make(
  "show",
  {
    name: nameArg,
    keyringDir: keyringFlags.keyringDir,
    address: Flag.Boolean("address").pipe(
      Flag.withDescription("Print only the address (for scripts)"),
      Flag.withDefault(false),
    ),
  },
  (f) =>
    run("show", async () => {
      const k = keyringAt(f.keyringDir).show(f.name);
      console.log(
        f.address
          ? k.address
          : `name:    ${k.name}\naddress: ${k.address}\npubkey:  ${k.pubkey}\nfile:    ${k.file}`,
      );
    }),
).pipe(Command.withDescription("Address and public key of a key (no passphrase needed)"));

const exportCmd = Command.make(
  "export",
  {
    name: nameArg,
    ...keyringFlags,
    unsafe: Flag.Boolean("unsafe-export-mnemonic").pipe(
      Flag.withDescription("Required: you understand that whoever sees the mnemonic owns the key"),
      Flag.withDefault(false),
    ),
  },
  (f) =>
    run("export", async () => {
      const kr = keyringAt(f.keyringDir);
      kr.show(f.name);
      if (!f.unsafe)
        throw new Error(
          `this prints the mnemonic of "${f.name}" in clear: whoever sees it owns the key. Add --unsafe-export-mnemonic to go ahead`,
        );
      console.log(await kr.mnemonic(f.name, await passphraseOf(f.passphraseFile)));
    }),
).pipe(
  Command.withDescription(
    "Print a key's mnemonic (asks the passphrase; needs --unsafe-export-mnemonic)",
  ),
);

const del = Command.make(
  "delete",
  {
    name: nameArg,
    keyringDir: keyringFlags.keyringDir,
    yes: Flag.Boolean("yes").pipe(
      Flag.withDescription("Do not ask for confirmation"),
      Flag.withDefault(false),
    ),
  },
  (f) =>
    run("delete", async () => {
      const kr = keyringAt(f.keyringDir);
      if (!kr.has(f.name)) kr.show(f.name); // the "no such key" message
      if (!f.yes) {
        const prompt = terminalPrompt(true);
        if (!prompt)
          throw new Error(
            `deleting "${f.name}" needs a confirmation: add --yes (without a backup of its mnemonic the key is gone for good)`,
          );
        let address = "(damaged file)";
        try {
          address = kr.show(f.name).address;
        } catch {
          // still deletable
        }
        const answer = await prompt(
          `Delete key ${f.name} (${address})? Without its mnemonic it cannot be recovered. Type the name to confirm: `,
        );
        if (answer.trim() !== f.name) throw new Error("not confirmed; nothing was deleted");
      }
      const k = kr.delete(f.name);
      console.log(`deleted key ${k.name} (${k.address}) from ${kr.dir}`);
    }),
).pipe(
  Command.withDescription("Remove a key from the keyring (asks for confirmation unless --yes)"),
);

export const keysCommand = Command.make("keys").pipe(
  Command.withDescription(
    "Encrypted keyring: the keys that daemons and 'register' sign with (--from NAME)",
  ),
  Command.withSubcommands([add, importCmd, list, show, exportCmd, del]),
);
