/**
 * ABCI Query: the Cosmos gRPC paths stock cosmjs asks for (auth account,
 * bank balances, tx simulation), and the protocol's own queries at
 * `/remes.remes.v1.Query/<Method>` (query.proto). Every answer is of the
 * latest state; errors follow the gRPC status text cosmjs recognises
 * ("rpc error: code = NotFound …").
 */
import {
  create,
  type DescMessage,
  fromBinary,
  type MessageShape,
  toBinary,
} from "@bufbuild/protobuf";
import { QueryAccountRequest, QueryAccountResponse } from "cosmjs-types/cosmos/auth/v1beta1/query";
import { BaseAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import {
  QueryAllBalancesRequest,
  QueryAllBalancesResponse,
  QueryBalanceRequest,
  QueryBalanceResponse,
} from "cosmjs-types/cosmos/bank/v1beta1/query";
import { PubKey as Secp256k1PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { SimulateRequest, SimulateResponse } from "cosmjs-types/cosmos/tx/v1beta1/service";
import {
  QueryAppliedPlanRequest,
  QueryAppliedPlanResponse,
  QueryCurrentPlanResponse,
} from "cosmjs-types/cosmos/upgrade/v1beta1/query";
import type { RequestQuery, ResponseQuery } from "cosmjs-types/tendermint/abci/types";
import * as Q from "../gen/remes/v1/query_pb.ts";
import { StoredGradientSchema } from "../gen/remes/v1/stored_gradient_pb.ts";
import { AggregationRevealedSchema } from "../gen/remes/v1/events_pb.ts";
import { MerkleProofSchema, Role } from "../gen/remes/v1/types_pb.ts";
import { checkedId } from "../protocol/ids.ts";
import { merkleProof } from "../protocol/merkle.ts";
import { balanceOf, roleKey, type State } from "../protocol/state.ts";
import { rangeProblem } from "../protocol/wire-range.ts";
import type { Accounts } from "./accounts.ts";
import { decodeTx, DENOM, gasUsedOf, isAddress, SECP256K1_PUBKEY_TYPE_URL, TxError } from "./tx.ts";

export interface QueryView {
  readonly state: State | undefined;
  readonly accounts: Accounts;
  readonly height: number;
  readonly maxTxBytes: number;
}

class QueryError {
  constructor(
    readonly code: number,
    readonly log: string,
  ) {}
}

/** gRPC status codes, as Cosmos reports query failures. */
const notFound = (what: string) =>
  new QueryError(22, `rpc error: code = NotFound desc = ${what} not found: key not found`);
const invalid = (why: string) =>
  new QueryError(18, `rpc error: code = InvalidArgument desc = ${why}: invalid request`);

const checkAddressArg = (address: string) => {
  if (!isAddress(address)) throw invalid(`"${address.slice(0, 100)}" is not a remes1… address`);
};

type Handler = (view: QueryView, state: State, data: Uint8Array) => Uint8Array;

const cosmos: Record<string, Handler> = {
  "/cosmos.auth.v1beta1.Query/Account": (view, _s, data) => {
    const { address } = QueryAccountRequest.decode(data);
    checkAddressArg(address);
    const a = view.accounts.get(address);
    if (!a) throw notFound(`account ${address}`);
    const pubKey = a.pubkeyHex
      ? {
          typeUrl: SECP256K1_PUBKEY_TYPE_URL,
          value: Secp256k1PubKey.encode({ key: Buffer.from(a.pubkeyHex, "hex") }).finish(),
        }
      : undefined;
    const account = {
      typeUrl: "/cosmos.auth.v1beta1.BaseAccount",
      value: BaseAccount.encode(
        BaseAccount.fromPartial({ address, pubKey, accountNumber: a.number, sequence: a.sequence }),
      ).finish(),
    };
    return QueryAccountResponse.encode({ account }).finish();
  },
  "/cosmos.bank.v1beta1.Query/Balance": (_v, state, data) => {
    const { address, denom } = QueryBalanceRequest.decode(data);
    checkAddressArg(address);
    const amount = denom === DENOM ? balanceOf(state, address) : 0n;
    return QueryBalanceResponse.encode({ balance: { denom, amount: amount.toString() } }).finish();
  },
  "/cosmos.bank.v1beta1.Query/AllBalances": (_v, state, data) => {
    const { address } = QueryAllBalancesRequest.decode(data);
    checkAddressArg(address);
    const amount = balanceOf(state, address);
    return QueryAllBalancesResponse.encode(
      QueryAllBalancesResponse.fromPartial({
        balances: amount > 0n ? [{ denom: DENOM, amount: amount.toString() }] : [],
        pagination: { nextKey: new Uint8Array(0), total: amount > 0n ? 1n : 0n },
      }),
    ).finish();
  },
  // Software upgrades (src/protocol/upgrades.ts) as x/upgrade answers: the scheduled plan, and the height a name ran at (0: never).
  "/cosmos.upgrade.v1beta1.Query/CurrentPlan": (_v, state) => {
    const p = state.softwareUpgrade;
    return QueryCurrentPlanResponse.encode(
      QueryCurrentPlanResponse.fromPartial({
        plan: p ? { name: p.name, height: BigInt(p.height), info: p.info } : undefined,
      }),
    ).finish();
  },
  "/cosmos.upgrade.v1beta1.Query/AppliedPlan": (_v, state, data) => {
    const { name } = QueryAppliedPlanRequest.decode(data);
    return QueryAppliedPlanResponse.encode({
      height: BigInt(state.upgradesDone.get(name) ?? 0),
    }).finish();
  },
  "/cosmos.tx.v1beta1.Service/Simulate": (view, _s, data) => {
    const { txBytes } = SimulateRequest.decode(data);
    const tx = decodeTx(txBytes, view.maxTxBytes);
    if (tx instanceof TxError) throw invalid(tx.log);
    const gasUsed = gasUsedOf(tx.size, tx.msgs.length);
    return SimulateResponse.encode(
      SimulateResponse.fromPartial({
        gasInfo: { gasWanted: tx.gasLimit, gasUsed },
        result: { data: new Uint8Array(0), log: "", events: [], msgResponses: [] },
      }),
    ).finish();
  },
};

const remes =
  <I extends DescMessage, O extends DescMessage>(
    input: I,
    output: O,
    f: (state: State, req: MessageShape<I>) => Omit<MessageShape<O>, "$typeName">,
  ): Handler =>
  (_v, state, data) => {
    // As for txs: an integer out of its field's range is refused, never truncated (wire-range.ts).
    const bad = rangeProblem(input, data);
    if (bad) throw invalid(bad);
    return toBinary(output, create(output, f(state, fromBinary(input, data)) as never));
  };

/** A 64-bit id of a request as a number, refused by name above 2^53 - 1 (ids.ts). */
const idOf = (field: string, v: bigint): number => {
  const id = checkedId(field, v);
  if (typeof id === "string") throw invalid(id);
  return id;
};

const currentWindow = (state: State) => {
  let w: State["windows"] extends Map<number, infer V> ? V | undefined : never;
  for (const x of state.windows.values())
    if (!x.closed && (w === undefined || x.window > w.window)) w = x;
  return w;
};

const protocol: Record<string, Handler> = {
  Params: remes(Q.QueryParamsRequestSchema, Q.QueryParamsResponseSchema, (s) => ({
    params: s.params,
  })),
  GetModelParams: remes(
    Q.QueryGetModelParamsRequestSchema,
    Q.QueryGetModelParamsResponseSchema,
    (s) => ({ model: s.model, datasets: [...s.datasets.values()] }),
  ),
  Miner: remes(Q.QueryMinerRequestSchema, Q.QueryMinerResponseSchema, (s, r) => {
    const m = s.roles.get(roleKey(Role.MINER, r.address));
    if (!m) throw notFound(`miner ${r.address}`);
    let unbonding = 0n;
    for (const u of s.unbonding.values())
      if (u.address === r.address && u.role === Role.MINER) unbonding += u.amount;
    const w = currentWindow(s);
    const shard = w?.assignment.get(r.address);
    return {
      miner: create(Q.RoleInfoSchema, {
        address: m.address,
        role: m.role,
        stake: m.stake,
        unbonding,
        gpuArch: m.gpuArch,
      }),
      assigned: shard !== undefined,
      shard: shard ?? 0,
      window: BigInt(w?.window ?? 0),
    };
  }),
  GetGradient: remes(Q.QueryGetGradientRequestSchema, Q.QueryGetGradientResponseSchema, (s, r) => {
    const id = idOf("submission_id", r.submissionId);
    const g = s.submissions.get(id);
    if (!g) throw notFound(`submission ${id} (pruned after settlement, or never made)`);
    return {
      gradient: create(StoredGradientSchema, {
        ...g,
        submissionId: BigInt(g.id),
        window: BigInt(g.window),
        height: BigInt(g.height),
      }),
    };
  }),
  Window: remes(Q.QueryWindowRequestSchema, Q.QueryWindowResponseSchema, (s, r) => {
    const window = idOf("window", r.window);
    const w = s.windows.get(window);
    if (!w) throw notFound(`window ${window} (not open yet, or settled and pruned)`);
    return {
      window: BigInt(w.window),
      startHeight: BigInt(w.startHeight),
      activeShards: w.activeShards,
      miners: w.assignment.size,
      submissions: w.submittedBy.size,
      closed: w.closed,
    };
  }),
  GetAggregation: remes(
    Q.QueryGetAggregationRequestSchema,
    Q.QueryGetAggregationResponseSchema,
    (s, r) => {
      const window = idOf("window", r.window);
      const a = s.windows.get(window)?.aggregation;
      if (!a?.revealed) throw notFound(`revealed aggregation of window ${window}`);
      const v = a.revealed;
      const leaves = v.submissionIds.map(
        (id) => s.submissions.get(id)?.gradientHash ?? new Uint8Array(32),
      );
      const proof = leaves.length > 0 ? merkleProof(leaves, 0) : undefined;
      return {
        aggregation: create(AggregationRevealedSchema, {
          aggregationId: BigInt(v.id),
          window: BigInt(window),
          proposer: a.proposer,
          aggregatedCid: v.aggregatedCid,
          merkleRoot: v.merkleRoot,
          submissionIds: v.submissionIds.map(BigInt),
          method: v.method,
          challengeDeadline: BigInt(v.challengeDeadline),
        }),
        finalized: a.finalized,
        proof: proof
          ? create(MerkleProofSchema, {
              index: proof.index,
              leafCount: proof.leafCount,
              siblings: [...proof.siblings],
            })
          : undefined,
      };
    },
  ),
  TrapStats: remes(Q.QueryTrapStatsRequestSchema, Q.QueryTrapStatsResponseSchema, (s) => ({
    trapsRevealed: BigInt(s.stats.trapsRevealed),
    minersCaught: BigInt(s.stats.minersCaught),
    minersPassed: BigInt(s.stats.minersPassed),
    vaultEntries: BigInt(s.vault.size),
  })),
  // Proposals still voting and those tallied within tallied_proposal_retention_blocks (governance.ts);
  // an older one is pruned and simply absent: its proposal_tallied event is the lasting record.
  Proposals: remes(Q.QueryProposalsRequestSchema, Q.QueryProposalsResponseSchema, (s) => ({
    proposals: [...s.proposals.values()].map((p) =>
      create(Q.ProposalSchema, {
        proposalId: BigInt(p.id),
        proposer: p.proposer,
        content: p.content,
        deposit: p.deposit,
        votingEndHeight: BigInt(p.votingEndHeight),
        status: p.status,
      }),
    ),
  })),
  // The explorer's address page: every role of an address, its pending unbondings, its balance, its shard.
  AddressRoles: remes(
    Q.QueryAddressRolesRequestSchema,
    Q.QueryAddressRolesResponseSchema,
    (s, r) => {
      checkAddressArg(r.address);
      const roles = [Role.MINER, Role.VALIDATOR, Role.PROPOSER, Role.SERVING_NODE].flatMap(
        (role) => {
          const m = s.roles.get(roleKey(role, r.address));
          return m ? [m] : [];
        },
      );
      const unbondings = [...s.unbonding.values()]
        .filter((u) => u.address === r.address)
        .sort((a, b) => a.id - b.id);
      const unbondingOf = (role: Role) =>
        unbondings.reduce((t, u) => (u.role === role ? t + u.amount : t), 0n);
      const w = currentWindow(s);
      const shard = w?.assignment.get(r.address);
      return {
        roles: roles.map((m) =>
          create(Q.RoleInfoSchema, {
            address: m.address,
            role: m.role,
            stake: m.stake,
            unbonding: unbondingOf(m.role),
            gpuArch: m.gpuArch,
          }),
        ),
        unbondings: unbondings.map((u) =>
          create(Q.UnbondingInfoSchema, {
            entryId: BigInt(u.id),
            role: u.role,
            amount: u.amount,
            completionHeight: BigInt(u.completionHeight),
          }),
        ),
        balance: balanceOf(s, r.address),
        assigned: shard !== undefined,
        shard: shard ?? 0,
        window: BigInt(w?.window ?? 0),
      };
    },
  ),
};

export const PROTOCOL_QUERY_PREFIX = "/remes.remes.v1.Query/";
export const queryPaths: readonly string[] = [
  ...Object.keys(cosmos),
  ...Object.keys(protocol).map((m) => PROTOCOL_QUERY_PREFIX + m),
].sort();

/** Path → handler in a Map: a plain object's lookup would also find its prototype's names (toString, constructor, __proto__). */
const handlers = new Map<string, Handler>([
  ...Object.entries(cosmos),
  ...Object.entries(protocol).map(([m, h]) => [PROTOCOL_QUERY_PREFIX + m, h] as const),
]);

export const answerQuery = (view: QueryView, req: RequestQuery): ResponseQuery => {
  const base = {
    index: 0n,
    key: new Uint8Array(0),
    info: "",
    proofOps: undefined,
    height: BigInt(view.height),
  };
  const fail = (e: QueryError): ResponseQuery => ({
    ...base,
    code: e.code,
    log: e.log,
    value: new Uint8Array(0),
    codespace: "sdk",
  });
  const handler = handlers.get(req.path);
  if (!handler)
    return fail(
      new QueryError(
        6,
        `unknown query path "${req.path.slice(0, 200)}"; known: ${queryPaths.join(", ")}`,
      ),
    );
  if (!view.state) return fail(new QueryError(18, "the chain has not been initialised yet"));
  try {
    return { ...base, code: 0, log: "", value: handler(view, view.state, req.data), codespace: "" };
  } catch (e) {
    if (e instanceof QueryError) return fail(e);
    return fail(
      invalid(
        `cannot decode the request for ${req.path}: ${e instanceof Error ? e.message : String(e)}`,
      ),
    );
  }
};
