/**
 * Replays committed CometBFT blocks (as the RPC `/block` endpoint returns
 * them) through a fresh in-process app: the FinalizeBlock request CometBFT
 * would have sent is rebuilt from each block (txs, header time, block hash,
 * proposer, the last commit's votes), so a chain's app hashes can be checked
 * against an independent replay — the equivalence test of the two runtimes,
 * the testnet's invariant checks and the role daemons' chain followers.
 *
 * The RPC block leaves the address of a validator whose vote is absent from
 * the last commit empty, but CometBFT tells the app who it was (liveness
 * counts it): the commit lists the votes in the order of the validator set of
 * the previous height, so the address is that set's entry at the same index.
 * `finalizeRequestOf` fills it from that set and refuses to guess without
 * it; `fetchFinalizeRequest` fetches the set when a block needs it.
 */
import { MisbehaviorType, type RequestFinalizeBlock } from "cosmjs-types/tendermint/abci/types";
import { BlockIDFlag } from "cosmjs-types/tendermint/types/validator";
import { beaconTx } from "../protocol/beacon.ts";
import type { BlockContext } from "../protocol/context.ts";
import { consensusAddressOf } from "./validator-updates.ts";

export interface RpcBlock {
  readonly block_id: { readonly hash: string };
  readonly block: {
    readonly header: {
      readonly height: string;
      readonly time: string;
      readonly proposer_address: string;
      readonly app_hash: string;
    };
    readonly data: { readonly txs: readonly string[] | null };
    /** An absent vote's validator_address is "" (see the module comment). */
    readonly last_commit: {
      readonly signatures: readonly {
        readonly block_id_flag: number;
        readonly validator_address: string;
      }[];
    };
  };
}

/** RFC 3339 with up to 9 fractional digits → protobuf Timestamp. */
export const parseRfc3339 = (s: string): { seconds: bigint; nanos: number } => {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(s);
  if (!m) throw new Error(`not an RFC 3339 UTC time: ${s}`);
  return {
    seconds: BigInt(Date.parse(`${m[1]}Z`) / 1000),
    nanos: Number((m[2] ?? "").padEnd(9, "0")),
  };
};

const hex = (s: string) => Uint8Array.from(Buffer.from(s, "hex"));

/** Whether some vote of the block's last commit names no validator (then `finalizeRequestOf` needs the previous validator set). */
export const hasUnnamedVotes = (b: RpcBlock): boolean =>
  b.block.last_commit.signatures.some((s) => !s.validator_address);

/**
 * The FinalizeBlock request of a committed block. `previousValidators`: the
 * addresses (hex) of the validator set at the block's height − 1 in the
 * RPC's order; needed only when `hasUnnamedVotes(b)`.
 */
export const finalizeRequestOf = (
  b: RpcBlock,
  previousValidators: readonly string[] = [],
): RequestFinalizeBlock => ({
  txs: (b.block.data.txs ?? []).map((t) => Uint8Array.from(Buffer.from(t, "base64"))),
  decidedLastCommit: {
    round: 0,
    votes: b.block.last_commit.signatures.map((s, i) => {
      const address = s.validator_address || previousValidators[i];
      if (!address) {
        throw new Error(
          `block ${b.block.header.height}: vote ${i} of the last commit names no validator (absent vote) and the validator set of height ${Number(b.block.header.height) - 1} was not given (${previousValidators.length} addresses); fetch it with /validators?height=${Number(b.block.header.height) - 1}`,
        );
      }
      return {
        validator: { address: hex(address), power: 0n },
        blockIdFlag: s.block_id_flag as BlockIDFlag,
      };
    }),
  },
  misbehavior: [],
  hash: hex(b.block_id.hash),
  height: BigInt(b.block.header.height),
  time: parseRfc3339(b.block.header.time),
  nextValidatorsHash: new Uint8Array(0),
  proposerAddress: hex(b.block.header.proposer_address),
});

const rpcGet = async <T>(rpc: string, pathAndQuery: string): Promise<T> => {
  const r = (await (
    await fetch(`${rpc}${pathAndQuery}`, { signal: AbortSignal.timeout(10_000) })
  ).json()) as { result?: T; error?: { message?: string; data?: string } };
  if (!r.result)
    throw new Error(`${rpc}${pathAndQuery}: ${r.error?.data ?? r.error?.message ?? "no result"}`);
  return r.result;
};

/** The validator set's addresses (hex) at a height, in the RPC's order, every page. */
export const validatorAddressesAt = async (rpc: string, height: number): Promise<string[]> => {
  const out: string[] = [];
  for (let page = 1; page <= 1_000; page++) {
    const r = await rpcGet<{ validators: readonly { address: string }[]; total: string }>(
      rpc,
      `/validators?height=${height}&page=${page}&per_page=100`,
    );
    out.push(...r.validators.map((v) => v.address));
    if (out.length >= Number(r.total) || r.validators.length === 0) return out;
  }
  throw new Error(`${rpc}: the validator set at height ${height} has more than 100,000 entries`);
};

/** A committed block from a node's RPC and its FinalizeBlock request (with the previous validator set fetched when needed). */
export const fetchFinalizeRequest = async (
  rpc: string,
  height: number,
): Promise<{ readonly block: RpcBlock; readonly request: RequestFinalizeBlock }> => {
  const block = await rpcGet<RpcBlock>(rpc, `/block?height=${height}`);
  const previous =
    hasUnnamedVotes(block) && height > 1 ? await validatorAddressesAt(rpc, height - 1) : [];
  return { block, request: finalizeRequestOf(block, previous) };
};

/**
 * The FinalizeBlock request that carries a protocol BlockContext (the
 * simulator's or MockChain's) and the given txs: the inverse of the app's
 * `blockContext`, given each validator's ed25519 key by protocol address
 * (the beacon tx carries the context's VRF output without a proof:
 * FinalizeBlock does not check proofs, ProcessProposal did).
 * Validators without a key cannot be expressed and are left out.
 */
export const finalizeRequestOfContext = (
  ctx: BlockContext,
  txs: readonly Uint8Array[],
  validatorKey: (address: string) => Uint8Array | undefined,
): RequestFinalizeBlock => {
  const cons = (address: string) => {
    const key = address === "" ? undefined : validatorKey(address);
    return key === undefined ? undefined : consensusAddressOf(key);
  };
  return {
    txs: ctx.beaconOutput.length === 32 ? [beaconTx(ctx.beaconOutput), ...txs] : [...txs],
    decidedLastCommit: {
      round: 0,
      votes: ctx.lastCommit.flatMap((v) => {
        const address = cons(v.address);
        return address === undefined
          ? []
          : [
              {
                validator: { address, power: 0n },
                blockIdFlag: v.signed
                  ? BlockIDFlag.BLOCK_ID_FLAG_COMMIT
                  : BlockIDFlag.BLOCK_ID_FLAG_ABSENT,
              },
            ];
      }),
    },
    misbehavior: ctx.misbehavior.flatMap((m) => {
      const address = cons(m.validator);
      return address === undefined
        ? []
        : [
            {
              type:
                m.kind === "duplicate_vote"
                  ? MisbehaviorType.DUPLICATE_VOTE
                  : MisbehaviorType.LIGHT_CLIENT_ATTACK,
              validator: { address, power: 0n },
              height: BigInt(m.height),
              time: { seconds: 0n, nanos: 0 },
              totalVotingPower: 0n,
            },
          ];
    }),
    hash: ctx.blockHash,
    height: BigInt(ctx.height),
    time: { seconds: ctx.timeMs / 1000n, nanos: Number(ctx.timeMs % 1000n) * 1_000_000 },
    nextValidatorsHash: new Uint8Array(0),
    proposerAddress: cons(ctx.proposer) ?? new Uint8Array(0),
  };
};
