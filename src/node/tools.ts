/**
 * Where the CometBFT binary (and its abci-cli) is: $R3MES_COMETBFT, else the project's
 * .tools/bin/cometbft (built by `npm run setup:tools`), else PATH.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** The pinned version, read from the setup script so there is one place to bump it. */
export const pinnedCometbftVersion = (): string => {
  const script = fs.readFileSync(path.join(projectRoot, "scripts/setup-tools.sh"), "utf8");
  const m = /^COMETBFT_VERSION="([^"]+)"/m.exec(script);
  if (!m) throw new Error("scripts/setup-tools.sh does not pin COMETBFT_VERSION");
  return m[1]!;
};

export const cometbftBinary = (): string => toolBinary("cometbft", process.env.R3MES_COMETBFT);

/** CometBFT's abci-cli (its `kvstore` is bench/node.ts's peer): $R3MES_ABCI_CLI, else .tools/bin/abci-cli, else PATH. */
export const abciCliBinary = (): string => toolBinary("abci-cli", process.env.R3MES_ABCI_CLI);

const toolBinary = (name: "cometbft" | "abci-cli", fromEnv: string | undefined): string => {
  const candidates = [fromEnv, path.join(projectRoot, ".tools/bin", name)].filter(
    (c): c is string => !!c,
  );
  for (const c of candidates) if (fs.existsSync(c)) return c;
  try {
    const onPath = execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim();
    if (onPath) return onPath;
  } catch {
    // not on PATH either
  }
  throw new Error(
    `${name} is not installed; run 'npm run setup:tools' (builds ${name} of cometbft v${pinnedCometbftVersion()} into .tools/bin with Go), or set ${name === "cometbft" ? "R3MES_COMETBFT" : "R3MES_ABCI_CLI"} to a ${name} binary`,
  );
};
