/**
 * Where a keyring passphrase (or an imported mnemonic) comes from, in order:
 * --passphrase-file FILE (its first line), the R3MES_KEYRING_PASSPHRASE
 * environment variable (for daemons under a supervisor), or a prompt on the
 * terminal that does not echo. Without a terminal and without the first two,
 * it fails and says which to provide rather than hanging on stdin.
 */
import * as fs from "node:fs";
import { KeyringError, PASSPHRASE_ENV } from "./keyring.ts";

export interface SecretSource {
  readonly file?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Asks on the terminal; absent where there is none. */
  readonly prompt?: (question: string) => Promise<string>;
}

/** The first line of a file, without its line ending. */
export const firstLineOf = (file: string, what: string): string => {
  if (!fs.existsSync(file))
    throw new KeyringError("no-passphrase", `${what} file ${file} does not exist`);
  return fs.readFileSync(file, "utf8").split(/\r?\n/)[0]!;
};

/**
 * The keyring passphrase. `confirm`: a new keyring's passphrase is asked
 * twice at the prompt, so a typo does not lock the key away.
 */
export const passphraseFrom = async (s: SecretSource, confirm = false): Promise<string> => {
  if (s.file !== undefined) return firstLineOf(s.file, "--passphrase-file");
  const env = (s.env ?? process.env)[PASSPHRASE_ENV];
  if (env !== undefined && env !== "") return env;
  if (!s.prompt)
    throw new KeyringError(
      "no-passphrase",
      `no keyring passphrase: give --passphrase-file FILE, set ${PASSPHRASE_ENV}, or run in a terminal to be asked`,
    );
  const p = await s.prompt("Keyring passphrase: ");
  if (confirm && (await s.prompt("Repeat the passphrase: ")) !== p)
    throw new KeyringError(
      "no-passphrase",
      "the two passphrases differ; nothing was written, try again",
    );
  return p;
};

/** Reads a line from the terminal (without echo unless asked); undefined when stdin is not a terminal. */
export const terminalPrompt = (
  echo = false,
): ((question: string) => Promise<string>) | undefined => {
  const stdin = process.stdin;
  if (!stdin.isTTY) return undefined;
  return (question) =>
    new Promise((resolve, reject) => {
      // raw mode (no echo) before the question, so an answer typed the moment it shows is not echoed
      stdin.setRawMode(true);
      process.stderr.write(question);
      let line = "";
      stdin.resume();
      stdin.setEncoding("utf8");
      const done = (err?: Error) => {
        stdin.setRawMode(false);
        stdin.pause();
        stdin.off("data", onData);
        process.stderr.write("\n");
        if (err) reject(err);
        else resolve(line);
      };
      const onData = (chunk: string) => {
        for (const ch of chunk) {
          if (ch === "\r" || ch === "\n") return done();
          if (ch === "\u0003") return done(new Error("interrupted"));
          if (ch === "\u007f" || ch === "\b") {
            if (echo && line) process.stderr.write("\b \b");
            line = line.slice(0, -1);
          } else if (ch >= " ") {
            line += ch;
            if (echo) process.stderr.write(ch);
          }
        }
      };
      stdin.on("data", onData);
    });
};
