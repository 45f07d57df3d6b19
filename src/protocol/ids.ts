/**
 * Ids, heights and window numbers: uint64 on the wire (a chain outlives
 * 2^32 of them only in centuries, but a decoder must never wrap one), and a
 * TypeScript number inside, which is exact up to 2^53 - 1. The conversions
 * happen only at the proto boundary:
 * - commands: `decide` (machine.ts) refuses a command with any id above
 *   2^53 - 1 by name (`idProblem`, error invalidMessage), so the deciders
 *   convert theirs with Number(...) exactly;
 * - events are built from the state's numbers (`event()` and `command()`
 *   accept a number for these fields and store the bigint, create.ts), and
 *   evolve, the simulator's outputs, the actors and the node's queries read
 *   them back with Number(...), exact because the values came from the state;
 * - queries: `checkedId` of each id in a request (node/query.ts).
 *
 * 64-bit (grow with the chain's age or use): heights (block, start,
 * completion, voting end, jail, upgrade, deadlines), window numbers, and
 * submission, dispute, aggregation, proposal, availability challenge, vault
 * entry and unbonding entry ids (events.proto, tx.proto, types.proto,
 * stored_gradient.proto, genesis.proto initial_height, query.proto).
 * 32-bit (bounded by parameters or by what they count): shard indexes
 * (< total_shards), basis points, block counts and other parameters
 * (params.proto), tier and panel round numbers (≤ tier3_max_rounds), the
 * tier-2 batch index, data-availability chunk indexes and counts (a
 * submission's size over da_chunk_bytes), Merkle proof indexes and leaf
 * counts, model and dataset versions and shard counts, and the counts in
 * query answers. A varint encodes a value the same whether its field is
 * uint32 or uint64, so widening a field changed no encoded byte (every
 * pinned event-log and app hash is unchanged).
 */
import type { ProtocolCommand } from "./commands.ts";

export const MAX_ID = Number.MAX_SAFE_INTEGER; // 2^53 - 1
const MAX_ID_BIG = BigInt(MAX_ID);

/** The id as a number, or a message naming the field when it is above 2^53 - 1. */
export const checkedId = (field: string, v: bigint): number | string =>
  v >= 0n && v <= MAX_ID_BIG
    ? Number(v)
    : `${field} is ${v}, above 2^53 - 1 (the largest id, height or window this chain handles)`;

/** Names of the 64-bit id, height and window fields (camelCase, as protobuf-es spells them); `IdKey` is the same set as a type. */
export const ID_FIELD = /^(?:window|height|deadline|\w+Id|\w+Ids|\w+Height|\w+Deadline)$/;

type IdKey =
  | "window"
  | "height"
  | "deadline"
  | `${string}Id`
  | `${string}Ids`
  | `${string}Height`
  | `${string}Deadline`;

/** A message init whose id, height and window fields also take the state's numbers (converted by create.ts). */
export type WithNumberIds<T> = {
  [K in keyof T]: K extends IdKey
    ? NonNullable<T[K]> extends bigint
      ? T[K] | number
      : NonNullable<T[K]> extends readonly bigint[]
        ? T[K] | readonly (bigint | number)[]
        : T[K]
    : T[K];
};

const over = (field: string, v: bigint): string | undefined =>
  v > MAX_ID_BIG ? (checkedId(field, v) as string) : undefined;

const overAny = (field: string, vs: readonly bigint[]): string | undefined => {
  for (let i = 0; i < vs.length; i++)
    if (vs[i]! > MAX_ID_BIG) return checkedId(`${field}[${i}]`, vs[i]!) as string;
  return undefined;
};

/** The first id of `cmd` above 2^53 - 1, as a message naming its field (proto spelling), or undefined. Called on every command: no allocation when all is well. */
export const idProblem = (cmd: ProtocolCommand): string | undefined => {
  switch (cmd.case) {
    case "submitGradient":
    case "commitGradient":
    case "commitTrapJobs":
    case "commitAggregation":
      return over("window", cmd.value.window);
    case "revealTrapJobs": {
      const bad = over("window", cmd.value.window);
      if (bad) return bad;
      const reveals = cmd.value.reveals;
      for (let i = 0; i < reveals.length; i++)
        if (reveals[i]!.vaultEntryId > MAX_ID_BIG)
          return over(`reveals[${i}].vault_entry_id`, reveals[i]!.vaultEntryId);
      return undefined;
    }
    case "submitAggregation":
      return over("window", cmd.value.window) ?? overAny("submission_ids", cmd.value.submissionIds);
    case "challengeGradient":
    case "challengeAvailability":
      return over("submission_id", cmd.value.submissionId);
    case "voteLossCheck":
    case "submitArbitrationVerdict":
      return over("dispute_id", cmd.value.disputeId);
    case "challengeAggregation":
      return over("aggregation_id", cmd.value.aggregationId);
    case "vote":
      return over("proposal_id", cmd.value.proposalId);
    case "proveAvailability":
      return over("challenge_id", cmd.value.challengeId);
    case "submitProposal": {
      const k = cmd.value.content?.kind;
      return k?.case === "softwareUpgrade"
        ? over("content.software_upgrade.height", k.value.height)
        : undefined;
    }
    default:
      return undefined;
  }
};
