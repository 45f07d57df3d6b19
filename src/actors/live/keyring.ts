/**
 * A keyring file: named secp256k1 keys (BIP-39 mnemonics, cosmos HD path
 * m/44'/118'/0'/0/0), JSON, readable only by its owner. Daemons pick their key
 * with `--from NAME`. A test/dev keyring: the mnemonics are in clear text.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { BECH32_PREFIX } from "../../node/tx.ts";

export interface KeyEntry {
  readonly address: string;
  readonly mnemonic: string;
}

export type Keyring = Record<string, KeyEntry>;

export const readKeyring = (file: string): Keyring => {
  if (!fs.existsSync(file)) throw new Error(`keyring ${file} does not exist; 'r3mes testnet up' writes one in its state folder (keys.json)`);
  try {
    return (JSON.parse(fs.readFileSync(file, "utf8")) as { keys: Keyring }).keys;
  } catch (e) {
    throw new Error(`keyring ${file} is not valid JSON ({"keys": {NAME: {address, mnemonic}}}): ${e instanceof Error ? e.message : String(e)}`);
  }
};

export const writeKeyring = (file: string, keys: Keyring): void => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify({ note: "local testnet keys: never use them on a real network", keys }, null, 2)}\n`, { mode: 0o600 });
};

export const newKey = async (): Promise<KeyEntry> => {
  const w = await DirectSecp256k1HdWallet.generate(12, { prefix: BECH32_PREFIX });
  return { address: (await w.getAccounts())[0]!.address, mnemonic: w.mnemonic };
};

export const walletOf = async (keys: Keyring, from: string): Promise<{ wallet: DirectSecp256k1HdWallet; address: string }> => {
  const k = keys[from];
  if (!k) throw new Error(`no key named "${from}" in the keyring; it has: ${Object.keys(keys).sort().join(", ") || "(none)"}`);
  const wallet = await DirectSecp256k1HdWallet.fromMnemonic(k.mnemonic, { prefix: BECH32_PREFIX });
  return { wallet, address: (await wallet.getAccounts())[0]!.address };
};
