/**
 * `r3mes node init`: a home directory for a single-validator chain.
 * CometBFT's own `init` writes the keys and default config; this then sets
 * sane local defaults (loopback listeners, 1 s blocks, the ABCI address)
 * and writes the genesis `app_state`: a remes GenesisState (protobuf JSON)
 * with a funded dev account that is also the validator, bonded with the
 * node's ed25519 consensus key — which is how FinalizeBlock's votes map to
 * protocol addresses.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { create, fromJson, type JsonValue, toJson } from "@bufbuild/protobuf";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { GenesisStateSchema } from "../gen/remes/v1/genesis_pb.ts";
import { ParamsSchema } from "../gen/remes/v1/params_pb.ts";
import { Role } from "../gen/remes/v1/types_pb.ts";
import { defaultParams, UREMES_PER_REMES, validateParams } from "../protocol/params.ts";
import { writeAppConfig } from "./run.ts";
import { setToml } from "./toml.ts";
import { cometbftBinary } from "./tools.ts";

export { readToml, setToml } from "./toml.ts";
import { BECH32_PREFIX, type GasPrice, isAddress, parseGasPrice } from "./tx.ts";

export interface InitOptions {
  readonly home: string;
  readonly chainId: string;
  readonly rpcLaddr: string;
  readonly p2pLaddr: string;
  readonly proxyApp: string;
  readonly blockTime: string;
  /** BIP-39 mnemonic of the dev account; a fresh one when absent. */
  readonly mnemonic?: string;
  /** Extra funded accounts: address → uremes. */
  readonly fund: ReadonlyMap<string, bigint>;
  /** Params overrides in protobuf JSON (e.g. {"windowBlocks": 10}). */
  readonly params?: JsonValue;
  readonly devBalance: bigint;
  /**
   * More genesis entries, as a protobuf-JSON GenesisState: its accounts,
   * roles (e.g. thousands of miners registered at genesis) and vault entries
   * are added after the dev account's; its params are ignored (see params).
   */
  readonly genesisExtra?: JsonValue;
  /**
   * Consensus param block.max_bytes (genesis). CometBFT's default (21 MiB)
   * lets a flooded mempool go into one block whose proposal and execution
   * outlast the propose timeout, so rounds fail while the mempool grows;
   * 2 MiB (about 5,000 submissions) keeps a block well inside a second.
   */
  readonly blockMaxBytes?: number;
  /** The node's minimum gas price (HOME/config/app.toml minimum-gas-prices): CheckTx refuses a tx paying less. */
  readonly minGasPrice?: string;
  /** CometBFT config.toml overrides: "section.key" (or "key" for the top level) → TOML value, e.g. {"mempool.size": "50000"}. */
  readonly config?: Readonly<Record<string, string>>;
  /** The node's name among its peers (CometBFT moniker); "r3mes-local" when absent. */
  readonly moniker?: string;
}

export const DEFAULT_BLOCK_MAX_BYTES = 2 * 1024 * 1024;
/** About 350 uremes for a gradient submission (≈ 35,000 gas); a remes is 1,000,000 uremes. */
export const DEFAULT_MIN_GAS_PRICE = "0.01uremes";
/** DEFAULT_MIN_GAS_PRICE parsed: what the testnet's nodes ask and its daemons pay. */
export const defaultMinGasPrice = parseGasPrice(DEFAULT_MIN_GAS_PRICE) as GasPrice;

export const defaultInit = (home: string): InitOptions => ({
  home,
  chainId: "remes-local",
  rpcLaddr: "tcp://127.0.0.1:26657",
  p2pLaddr: "tcp://127.0.0.1:26656",
  proxyApp: "tcp://127.0.0.1:26658",
  blockTime: "1s",
  blockMaxBytes: DEFAULT_BLOCK_MAX_BYTES,
  minGasPrice: DEFAULT_MIN_GAS_PRICE,
  fund: new Map(),
  devBalance: 1_000_000n * UREMES_PER_REMES,
});

export interface InitResult {
  readonly devAddress: string;
  readonly mnemonic: string;
  readonly validatorPubkey: string;
}

export const initHome = async (o: InitOptions): Promise<InitResult> => {
  const config = path.join(o.home, "config");
  if (fs.existsSync(path.join(config, "genesis.json")))
    throw new Error(
      `${o.home} already holds a chain (config/genesis.json); pick another --home or delete it`,
    );
  const fresh = ["config", "data"].filter((d) => !fs.existsSync(path.join(o.home, d)));
  execFileSync(cometbftBinary(), ["init", "--home", o.home], { stdio: "pipe" });
  try {
    return await configure(o);
  } catch (e) {
    // Leave no half-made home behind (it would block the next init): remove what `cometbft init` created.
    for (const d of fresh) fs.rmSync(path.join(o.home, d), { recursive: true, force: true });
    throw e;
  }
};

/** What config.toml and app.toml take from `node init` (a new chain's or a joining node's). */
export type NodeConfigOptions = Pick<
  InitOptions,
  "home" | "rpcLaddr" | "p2pLaddr" | "proxyApp" | "blockTime" | "minGasPrice" | "config" | "moniker"
>;

/** CometBFT's config.toml (listeners, block time, indexer) and the app's app.toml (minimum gas price). */
export const writeNodeConfig = (o: NodeConfigOptions): void => {
  const config = path.join(o.home, "config");
  let toml = fs.readFileSync(path.join(config, "config.toml"), "utf8");
  const set = (section: string, key: string, value: string) =>
    (toml = setToml(toml, section, key, value));
  set("", "proxy_app", JSON.stringify(o.proxyApp));
  set("", "moniker", JSON.stringify(o.moniker ?? "r3mes-local"));
  set("", "log_level", JSON.stringify("info"));
  set("rpc", "laddr", JSON.stringify(o.rpcLaddr));
  set("p2p", "laddr", JSON.stringify(o.p2pLaddr));
  set("p2p", "addr_book_strict", "false");
  set("p2p", "allow_duplicate_ip", "true");
  set("consensus", "timeout_commit", JSON.stringify(o.blockTime));
  // A single validator waits on its own proposal only: a longer propose timeout costs nothing while
  // blocks are small, and keeps a large block (a slow PrepareProposal) from failing the round.
  set("consensus", "timeout_propose", JSON.stringify("3s"));
  set("tx_index", "indexer", JSON.stringify("kv"));
  set("instrumentation", "prometheus", "false");
  for (const [k, v] of Object.entries(o.config ?? {})) {
    const dot = k.lastIndexOf(".");
    set(dot < 0 ? "" : k.slice(0, dot), dot < 0 ? k : k.slice(dot + 1), v);
  }
  fs.writeFileSync(path.join(config, "config.toml"), toml);
  const gasPrice = parseGasPrice(o.minGasPrice ?? DEFAULT_MIN_GAS_PRICE);
  if (gasPrice instanceof Error) throw new Error(`--min-gas-price: ${gasPrice.message}`);
  writeAppConfig(o.home, gasPrice);
};

const configure = async (o: InitOptions): Promise<InitResult> => {
  const config = path.join(o.home, "config");
  writeNodeConfig(o);
  const wallet = o.mnemonic
    ? await DirectSecp256k1HdWallet.fromMnemonic(o.mnemonic, { prefix: BECH32_PREFIX })
    : await DirectSecp256k1HdWallet.generate(24, { prefix: BECH32_PREFIX });
  const [dev] = await wallet.getAccounts();
  const key = JSON.parse(fs.readFileSync(path.join(config, "priv_validator_key.json"), "utf8")) as {
    pub_key: { value: string };
  };
  const pubkey = Buffer.from(key.pub_key.value, "base64");

  // Overrides merge field by field over the defaults (a decoded message would reset every field it does not name to zero).
  if (
    o.params !== undefined &&
    (typeof o.params !== "object" || o.params === null || Array.isArray(o.params))
  )
    throw new Error('--params: expected a JSON object of Params fields, e.g. {"windowBlocks":10}');
  let params;
  try {
    params = fromJson(
      ParamsSchema,
      {
        ...(toJson(ParamsSchema, defaultParams()) as Record<string, JsonValue>),
        ...((o.params ?? {}) as Record<string, JsonValue>),
      },
      { ignoreUnknownFields: false },
    );
  } catch (e) {
    throw new Error(`--params: ${e instanceof Error ? e.message : String(e)}`);
  }
  const bad = validateParams(params);
  if (bad) throw new Error(`--params: ${bad.message}`);
  for (const [address] of o.fund)
    if (!isAddress(address))
      throw new Error(`--fund: "${address}" is not a ${BECH32_PREFIX}1… address`);
  let extra;
  try {
    extra = fromJson(GenesisStateSchema, o.genesisExtra ?? {}, { ignoreUnknownFields: false });
  } catch (e) {
    throw new Error(
      `--genesis-extra: not a protobuf-JSON remes GenesisState: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  for (const a of [...extra.accounts, ...extra.roles])
    if (!isAddress(a.address))
      throw new Error(`--genesis-extra: "${a.address}" is not a ${BECH32_PREFIX}1… address`);
  const accounts = [
    { address: dev!.address, balance: o.devBalance },
    ...[...o.fund]
      .filter(([a]) => a !== dev!.address)
      .map(([address, balance]) => ({ address, balance })),
  ];
  const genesis = create(GenesisStateSchema, {
    params,
    accounts: [...accounts, ...extra.accounts],
    roles: [
      {
        address: dev!.address,
        role: Role.VALIDATOR,
        stake: params.minValidatorStake * 10n,
        pubkey,
      },
      ...extra.roles,
    ],
    vault: extra.vault,
  });
  const doc = JSON.parse(fs.readFileSync(path.join(config, "genesis.json"), "utf8")) as Record<
    string,
    unknown
  >;
  doc.chain_id = o.chainId;
  const maxBytes = o.blockMaxBytes ?? DEFAULT_BLOCK_MAX_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 64 * 1024 || maxBytes > 100 * 1024 * 1024)
    throw new Error(`block max bytes ${maxBytes}: expected 65536 to 104857600`);
  const consensus = doc.consensus_params as {
    block: { max_bytes: string };
    evidence?: { max_bytes: string };
  };
  consensus.block.max_bytes = String(maxBytes);
  // CometBFT refuses a genesis whose evidence.max_bytes (1 MiB by default) exceeds block.max_bytes: clamp it to the block.
  if (consensus.evidence && Number(consensus.evidence.max_bytes) > maxBytes)
    consensus.evidence.max_bytes = String(maxBytes);
  doc.app_state = toJson(GenesisStateSchema, genesis);
  fs.writeFileSync(path.join(config, "genesis.json"), `${JSON.stringify(doc, null, 2)}\n`);
  const mnemonic = wallet.mnemonic;
  fs.writeFileSync(
    path.join(o.home, "dev-account.json"),
    `${JSON.stringify({ address: dev!.address, mnemonic, note: "local dev key: funded and the genesis validator's operator; never use it on a real network" }, null, 2)}\n`,
    { mode: 0o600 },
  );
  return { devAddress: dev!.address, mnemonic, validatorPubkey: key.pub_key.value };
};
