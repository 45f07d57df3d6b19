/**
 * Replays committed CometBFT blocks (as the RPC `/block` endpoint returns
 * them) through a fresh in-process app: the FinalizeBlock request CometBFT
 * would have sent is rebuilt from each block (txs, header time, block hash,
 * proposer, the last commit's votes), so a chain's app hashes can be checked
 * against an independent replay — the equivalence test of the two runtimes.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { MisbehaviorType, type RequestFinalizeBlock } from "cosmjs-types/tendermint/abci/types";
import { BlockIDFlag } from "cosmjs-types/tendermint/types/validator";
import type { BlockContext } from "../protocol/context.ts";

export interface RpcBlock {
  readonly block_id: { readonly hash: string };
  readonly block: {
    readonly header: { readonly height: string; readonly time: string; readonly proposer_address: string; readonly app_hash: string };
    readonly data: { readonly txs: readonly string[] | null };
    readonly last_commit: { readonly signatures: readonly { readonly block_id_flag: number; readonly validator_address: string }[] };
  };
}

/** RFC 3339 with up to 9 fractional digits → protobuf Timestamp. */
export const parseRfc3339 = (s: string): { seconds: bigint; nanos: number } => {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(s);
  if (!m) throw new Error(`not an RFC 3339 UTC time: ${s}`);
  return { seconds: BigInt(Date.parse(`${m[1]}Z`) / 1000), nanos: Number((m[2] ?? "").padEnd(9, "0")) };
};

const hex = (s: string) => Uint8Array.from(Buffer.from(s, "hex"));

export const finalizeRequestOf = (b: RpcBlock): RequestFinalizeBlock => ({
  txs: (b.block.data.txs ?? []).map((t) => Uint8Array.from(Buffer.from(t, "base64"))),
  decidedLastCommit: {
    round: 0,
    votes: b.block.last_commit.signatures.map((s) => ({ validator: { address: hex(s.validator_address), power: 0n }, blockIdFlag: s.block_id_flag as BlockIDFlag })),
  },
  misbehavior: [],
  hash: hex(b.block_id.hash),
  height: BigInt(b.block.header.height),
  time: parseRfc3339(b.block.header.time),
  nextValidatorsHash: new Uint8Array(0),
  proposerAddress: hex(b.block.header.proposer_address),
});

/** CometBFT's consensus address of an ed25519 validator key: sha256(pubkey)[:20]. */
export const consensusAddressOf = (ed25519Pubkey: Uint8Array): Uint8Array => sha256(ed25519Pubkey).subarray(0, 20);

/**
 * The FinalizeBlock request that carries a protocol BlockContext (the
 * simulator's or MockChain's) and the given txs: the inverse of the app's
 * `blockContext`, given each validator's ed25519 key by protocol address.
 * Validators without a key cannot be expressed and are left out.
 */
export const finalizeRequestOfContext = (ctx: BlockContext, txs: readonly Uint8Array[], validatorKey: (address: string) => Uint8Array | undefined): RequestFinalizeBlock => {
  const cons = (address: string) => {
    const key = address === "" ? undefined : validatorKey(address);
    return key === undefined ? undefined : consensusAddressOf(key);
  };
  return {
    txs: [...txs],
    decidedLastCommit: {
      round: 0,
      votes: ctx.lastCommit.flatMap((v) => {
        const address = cons(v.address);
        return address === undefined ? [] : [{ validator: { address, power: 0n }, blockIdFlag: v.signed ? BlockIDFlag.BLOCK_ID_FLAG_COMMIT : BlockIDFlag.BLOCK_ID_FLAG_ABSENT }];
      }),
    },
    misbehavior: ctx.misbehavior.flatMap((m) => {
      const address = cons(m.validator);
      return address === undefined ? [] : [{
        type: m.kind === "duplicate_vote" ? MisbehaviorType.DUPLICATE_VOTE : MisbehaviorType.LIGHT_CLIENT_ATTACK,
        validator: { address, power: 0n }, height: BigInt(m.height), time: { seconds: 0n, nanos: 0 }, totalVotingPower: 0n,
      }];
    }),
    hash: ctx.blockHash,
    height: BigInt(ctx.height),
    time: { seconds: ctx.timeMs / 1000n, nanos: Number(ctx.timeMs % 1000n) * 1_000_000 },
    nextValidatorsHash: new Uint8Array(0),
    proposerAddress: cons(ctx.proposer) ?? new Uint8Array(0),
  };
};
