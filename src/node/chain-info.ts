/**
 * `r3mes node chain-info`: the chain described for wallets, from a node's
 * home — Keplr's `chainInfo` (experimentalSuggestChain) or a
 * cosmos/chain-registry `chain.json`. The chain id comes from the genesis,
 * the RPC address from config.toml (or `--rpc`, the URL wallets reach), the
 * fee from app.toml's minimum gas price: its gas price steps are that
 * minimum (low), twice it (average) and four times it (high), so a wallet's
 * every choice enters this node's mempool.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { UREMES_PER_REMES } from "../protocol/params.ts";
import { rpcUrlOf } from "./rest-rpc.ts";
import { minGasPriceOf } from "./run.ts";
import { readToml } from "./toml.ts";
import { BECH32_PREFIX, DENOM } from "./tx.ts";

/** SLIP-44 coin type of the Cosmos Hub's HD path (m/44'/118'/0'/0/n), which `r3mes keys` and cosmjs use. */
export const COIN_TYPE = 118;
export const DISPLAY_DENOM = "REMES";
/** uremes per REMES is 10^6. */
export const DECIMALS = UREMES_PER_REMES.toString().length - 1;
export const DEFAULT_REST_URL = "http://127.0.0.1:1317";

export interface ChainInfoOptions {
  readonly home: string;
  /** The RPC URL wallets call; config.toml's rpc.laddr by default. */
  readonly rpc?: string;
  /** The REST gateway's URL (`node start --rest`); DEFAULT_REST_URL by default. */
  readonly rest?: string;
}

interface ChainFacts {
  readonly chainId: string;
  readonly rpc: string;
  readonly rest: string;
  readonly gasPrice: { readonly low: number; readonly average: number; readonly high: number };
}

const facts = (o: ChainInfoOptions): ChainFacts => {
  const genesisFile = path.join(o.home, "config", "genesis.json");
  if (!fs.existsSync(genesisFile))
    throw new Error(`${o.home} is not a node home (no config/genesis.json)`);
  const genesis = JSON.parse(fs.readFileSync(genesisFile, "utf8")) as { chain_id?: unknown };
  if (typeof genesis.chain_id !== "string" || genesis.chain_id === "")
    throw new Error(`${genesisFile} has no chain_id`);
  const laddr =
    o.rpc ??
    readToml(fs.readFileSync(path.join(o.home, "config", "config.toml"), "utf8"), "rpc", "laddr") ??
    "tcp://127.0.0.1:26657";
  const rpc = /^https?:\/\//.test(laddr) && o.rpc !== undefined ? laddr : rpcUrlOf(laddr);
  if (rpc instanceof Error) throw rpc;
  const p = minGasPriceOf(o.home);
  const min = Number(p.num) / Number(p.den);
  return {
    chainId: genesis.chain_id,
    rpc: rpc.replace(/\/$/, ""),
    rest: (o.rest ?? DEFAULT_REST_URL).replace(/\/$/, ""),
    gasPrice: { low: min, average: min * 2, high: min * 4 },
  };
};

/** Keplr's ChainInfo. */
export const keplrChainInfo = (o: ChainInfoOptions) => {
  const f = facts(o);
  const currency = {
    coinDenom: DISPLAY_DENOM,
    coinMinimalDenom: DENOM,
    coinDecimals: DECIMALS,
  };
  return {
    chainId: f.chainId,
    chainName: `R3MES (${f.chainId})`,
    rpc: f.rpc,
    rest: f.rest,
    bip44: { coinType: COIN_TYPE },
    bech32Config: {
      bech32PrefixAccAddr: BECH32_PREFIX,
      bech32PrefixAccPub: `${BECH32_PREFIX}pub`,
      bech32PrefixValAddr: `${BECH32_PREFIX}valoper`,
      bech32PrefixValPub: `${BECH32_PREFIX}valoperpub`,
      bech32PrefixConsAddr: `${BECH32_PREFIX}valcons`,
      bech32PrefixConsPub: `${BECH32_PREFIX}valconspub`,
    },
    currencies: [currency],
    feeCurrencies: [{ ...currency, gasPriceStep: f.gasPrice }],
    stakeCurrency: currency,
    features: [] as string[],
  };
};

/** A cosmos/chain-registry chain.json (its assetlist holds the denom units). */
export const registryChainJson = (o: ChainInfoOptions) => {
  const f = facts(o);
  return {
    $schema: "../chain.schema.json",
    chain_name: f.chainId.replace(/[^a-z0-9]/gi, "").toLowerCase(),
    chain_type: "cosmos",
    status: "live",
    network_type: "devnet",
    pretty_name: `R3MES (${f.chainId})`,
    chain_id: f.chainId,
    bech32_prefix: BECH32_PREFIX,
    slip44: COIN_TYPE,
    fees: {
      fee_tokens: [
        {
          denom: DENOM,
          fixed_min_gas_price: f.gasPrice.low,
          low_gas_price: f.gasPrice.low,
          average_gas_price: f.gasPrice.average,
          high_gas_price: f.gasPrice.high,
        },
      ],
    },
    staking: { staking_tokens: [{ denom: DENOM }] },
    apis: { rpc: [{ address: f.rpc }], rest: [{ address: f.rest }] },
  };
};
