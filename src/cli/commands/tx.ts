/**
 * What every CLI command that sends a transaction shares (`miner register`,
 * `validator register`, `send`): the flags that name the node and the key
 * (`--rpc`, `--from`, the keyring's), and one function that unlocks the key,
 * signs the message with cosmjs (the remes registry, the daemons' fee) and
 * broadcasts it, waiting for its block. A tx the chain refuses is an error
 * that says so with the chain's own log.
 */
import type { Option } from "effect";
import { Flag } from "effect/cli";
import type { SigningStargateClient } from "@cosmjs/stargate";
import { daemonTxFee } from "../../actors/live/broadcaster.ts";
import type { ProtocolCommand } from "../../protocol/commands.ts";
import { encodeObject, remesRegistry } from "../../node/registry.ts";
import { keyringFlags, signerFrom } from "./keys.ts";

/** `--rpc`, `--from` (described as `fromWhat`) and the keyring's flags. */
export const txFlags = (fromWhat: string) => ({
  rpc: Flag.String("rpc").pipe(
    Flag.withDescription("CometBFT RPC of a node of the network"),
    Flag.withDefault("http://127.0.0.1:26657"),
  ),
  from: Flag.String("from").pipe(Flag.withDescription(fromWhat)),
  ...keyringFlags,
});

export interface TxFlags {
  readonly rpc: string;
  readonly from: string;
  readonly keyringDir?: Option.Option<string> | string | undefined;
  readonly passphraseFile?: Option.Option<string> | string | undefined;
}

/** The fee every CLI tx pays, in uremes (what a node at `node init`'s minimum gas price asks). */
export const cliTxFee: bigint = BigInt(daemonTxFee.amount[0]!.amount);

export interface TxResult {
  readonly address: string;
  readonly height: number;
  readonly tx: string;
  /** The tx's ABCI events (e.g. a proposal's id). */
  readonly events: readonly {
    type: string;
    attributes: readonly { key: string; value: string }[];
  }[];
}

/**
 * Unlocks `--from`, runs `check` (a look at the chain before signing, e.g. a
 * balance), then signs and broadcasts `make(address)` and waits for its
 * block. `what` names the tx in errors ("the chain rejected the transfer").
 */
export const broadcastTx = async (
  f: TxFlags,
  what: string,
  make: (address: string) => ProtocolCommand,
  check?: (client: SigningStargateClient, address: string) => Promise<void>,
): Promise<TxResult> => {
  const { wallet, address } = await signerFrom(f.from, f);
  const { SigningStargateClient } = await import("@cosmjs/stargate");
  let client: SigningStargateClient;
  try {
    client = await SigningStargateClient.connectWithSigner(f.rpc, wallet, {
      registry: remesRegistry(),
    });
  } catch (e) {
    throw new Error(
      `cannot reach a node at --rpc ${f.rpc} (${e instanceof Error ? e.message : String(e)})`,
    );
  }
  try {
    await check?.(client, address);
    const res = await client.signAndBroadcast(address, [encodeObject(make(address))], daemonTxFee);
    if (res.code !== 0)
      throw new Error(`the chain rejected the ${what} (code ${res.code}): ${res.rawLog ?? ""}`);
    return { address, height: res.height, tx: res.transactionHash, events: res.events };
  } finally {
    client.disconnect();
  }
};
