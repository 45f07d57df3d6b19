/**
 * The REST gateway (`--rest ADDR`): the Cosmos SDK endpoints wallets and
 * explorers call, and `/remes/remes/v1/…` for every protocol query,
 * translated to CometBFT RPC calls (abci_query, abci_info, status, block,
 * header, validators, tx, tx_search, broadcast_tx_sync/async). Answers are shaped as the SDK's
 * grpc-gateway shapes them (rest-json.ts), errors as its gRPC statuses
 * (rest-status.ts). The handler is a function of a request and an `Rpc`, so
 * tests run it in process against the app (rest-rpc.ts: appRpc) and
 * the server (rest-http.ts) adds only HTTP.
 *
 * Protocol queries: GET `/remes/remes/v1/<method in snake_case>` followed by
 * `/{field}` for each field of the request, in field order (query.proto
 * carries no google.api.http options; the scheme is ours, derived from the
 * Query service's descriptor, so a new query gets its route without code): `/remes/remes/v1/params`, `/remes/remes/v1/miner/{address}`,
 * `/remes/remes/v1/get_gradient/{submission_id}`, … (restRoutes lists them).
 */
import {
  type DescMethod,
  fromBinary,
  fromJson,
  type JsonValue,
  toBinary,
  toJson,
} from "@bufbuild/protobuf";
import { BaseAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { QueryAccountRequest, QueryAccountResponse } from "cosmjs-types/cosmos/auth/v1beta1/query";
import {
  QueryAllBalancesRequest,
  QueryAllBalancesResponse,
  QueryBalanceRequest,
  QueryBalanceResponse,
} from "cosmjs-types/cosmos/bank/v1beta1/query";
import { SimulateRequest, SimulateResponse } from "cosmjs-types/cosmos/tx/v1beta1/service";
import {
  QueryAppliedPlanRequest,
  QueryAppliedPlanResponse,
  QueryCurrentPlanRequest,
  QueryCurrentPlanResponse,
} from "cosmjs-types/cosmos/upgrade/v1beta1/query";
import { Query } from "../gen/remes/v1/query_pb.ts";
import {
  anyJson,
  blockResponseJson,
  broadcastResponseJson,
  type Json,
  nodeInfoJson,
  PROTO_JSON,
  txJson,
  txResponseJson,
  validatorSetJson,
} from "./rest-json.ts";
import { type Rpc, RpcError } from "./rest-rpc.ts";
import { Grpc, invalidArgument, notFound, RestError, statusOfQueryFailure } from "./rest-status.ts";

export interface RestRequest {
  readonly method: string;
  /** The URL's path, still percent-encoded. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** The request body (POST). */
  readonly body?: Uint8Array;
}

export interface RestResponse {
  readonly status: number;
  readonly body: Json;
}

/** Most txs one search returns (CometBFT's tx_search caps per_page at 100 too; so does the SDK's default). */
export const MAX_PAGE_SIZE = 100;

const obj = (v: unknown): Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64");

const PROTOCOL_QUERY_PREFIX = "/remes.remes.v1.Query/";

/** The RPC call, with transport failures as gRPC statuses (503 unreachable, 504 timed out). */
const call = async (
  rpc: Rpc,
  method: string,
  params: Record<string, unknown>,
): Promise<unknown> => {
  try {
    return await rpc(method, params);
  } catch (e) {
    if (e instanceof RpcError && e.kind === "unavailable")
      throw new RestError(Grpc.Unavailable, `CometBFT RPC unreachable: ${e.message}`);
    if (e instanceof RpcError && e.kind === "timeout")
      throw new RestError(Grpc.DeadlineExceeded, `CometBFT RPC timed out: ${e.message}`);
    throw e;
  }
};

/** The reason CometBFT gave for a JSON-RPC error. */
const reason = (e: unknown): string =>
  e instanceof RpcError ? e.data || e.message : e instanceof Error ? e.message : String(e);

/** An ABCI query through the RPC: the response's value, or its failure as a status. */
const abciQuery = async (rpc: Rpc, path: string, data: Uint8Array): Promise<Uint8Array> => {
  let result: unknown;
  try {
    result = await call(rpc, "abci_query", {
      path,
      data: Buffer.from(data).toString("hex"),
      height: "0",
      prove: false,
    });
  } catch (e) {
    if (e instanceof RestError) throw e;
    throw new RestError(Grpc.Unknown, reason(e));
  }
  const r = obj(obj(result).response);
  const code = Number(r.code ?? 0);
  if (code !== 0) throw statusOfQueryFailure(code, String(r.log ?? ""));
  return Buffer.from(typeof r.value === "string" ? r.value : "", "base64");
};

/** Base64 (standard or URL-safe, as grpc-gateway accepts for bytes) → bytes; a 400 otherwise. */
const base64Field = (name: string, v: unknown): Uint8Array => {
  if (typeof v !== "string" || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(v) || v.length % 4 === 1)
    throw invalidArgument(`${name}: expected base64 bytes`);
  return Buffer.from(v.replace(/-/g, "+").replace(/_/g, "/"), "base64");
};

const jsonBody = (body: Uint8Array | undefined): Record<string, unknown> => {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body ?? new Uint8Array(0)));
  } catch (e) {
    throw invalidArgument(
      `the body is not JSON: ${e instanceof Error ? e.message.slice(0, 200) : String(e)}`,
    );
  }
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw invalidArgument("the body must be a JSON object");
  return v as Record<string, unknown>;
};

/** The SDK's coin denom rule. */
const DENOM_RE = /^[a-zA-Z][a-zA-Z0-9/:._-]{2,127}$/;

const positiveInt = (name: string, v: string | null, fallback: number, max: number): number => {
  if (v === null || v === "") return fallback;
  if (!/^[0-9]{1,15}$/.test(v)) throw invalidArgument(`${name}: expected a non-negative integer`);
  const n = Number(v);
  return n === 0 ? fallback : Math.min(n, max);
};

/** GetTxResponse.tx and GetTxsEventResponse.txs are Tx messages, not the Any of TxResponse.tx. */
const bareTx = (any: unknown): Json => {
  if (any === null || any === undefined) return null;
  const { "@type": _, ...tx } = obj(any);
  return tx as Json;
};

/** A block's time by height, through `header`, as the SDK writes it (Go's time.RFC3339: whole seconds). */
const blockTime = async (rpc: Rpc, height: string): Promise<string> => {
  try {
    const r = await call(rpc, "header", { height });
    return String(obj(obj(r).header).time ?? "").replace(
      /\.[0-9]+(?=Z|[+-][0-9]{2}:[0-9]{2}$)/,
      "",
    );
  } catch (e) {
    if (e instanceof RestError) throw e;
    return "";
  }
};

/** The SDK's check of an `events=` term (clients of SDK < 0.50): `{eventType}.{eventAttribute}={value}`, `<=`/`>=` too. */
const EVENT_RE = /^[a-zA-Z_]+\.[a-zA-Z_]+[<>]?=\S+$/;

/** `events=…` terms → one CometBFT query, ANDed as the SDK joins them (values as given: strings need their quotes). */
const queryOfEvents = (events: readonly string[]): string => {
  for (const e of events)
    if (!EVENT_RE.test(e))
      throw invalidArgument(
        `invalid event; event ${e.slice(0, 200)} should be of the format: {eventType}.{eventAttribute}={value}`,
      );
  return events.join(" AND ");
};

/** Go's hex.DecodeString errors, which the SDK's GetTx returns as they are (code 2 Unknown, HTTP 500). */
const hexProblem = (s: string): string | undefined => {
  const bad = /[^0-9A-Fa-f]/.exec(s);
  if (bad) {
    const c = bad[0].codePointAt(0)!;
    return `encoding/hex: invalid byte: U+${c.toString(16).toUpperCase().padStart(4, "0")} ${JSON.stringify(bad[0]).replace(/^"|"$/g, "'")}`;
  }
  return s.length % 2 === 1 ? "encoding/hex: odd length hex string" : undefined;
};

const ORDER: Record<string, string> = {
  "": "",
  "0": "",
  ORDER_BY_UNSPECIFIED: "",
  "1": "asc",
  ORDER_BY_ASC: "asc",
  "2": "desc",
  ORDER_BY_DESC: "desc",
};

const BROADCAST: Record<string, "broadcast_tx_sync" | "broadcast_tx_async" | undefined> = {
  "2": "broadcast_tx_sync",
  BROADCAST_MODE_SYNC: "broadcast_tx_sync",
  "3": "broadcast_tx_async",
  BROADCAST_MODE_ASYNC: "broadcast_tx_async",
};

/** CometBFT's mempool refusals, as the SDK reports them: a TxResponse with its own code (not an HTTP error). */
const mempoolRefusal = (why: string): { code: number; log: string } | undefined =>
  /already exists in cache/.test(why)
    ? { code: 19, log: "tx already in mempool" }
    : /mempool is full/.test(why)
      ? { code: 20, log: `mempool is full: ${why}` }
      : /too large/.test(why)
        ? { code: 21, log: why }
        : undefined;

type Params = Readonly<Record<string, string>>;
type Handler = (rpc: Rpc, params: Params, req: RestRequest) => Promise<Json>;

interface Route {
  readonly method: "GET" | "POST";
  /** Segments; `{name}` captures one. */
  readonly pattern: readonly string[];
  readonly handle: Handler;
}

const route = (method: "GET" | "POST", path: string, handle: Handler): Route => ({
  method,
  pattern: path.split("/").slice(1),
  handle,
});

const checkedAddress = (a: string): string => {
  if (a.length > 200) throw invalidArgument("address too long");
  return a;
};

const cosmosRoutes: Route[] = [
  route("GET", "/cosmos/base/tendermint/v1beta1/node_info", async (rpc) => {
    const [status, info] = await Promise.all([
      call(rpc, "status", {}),
      call(rpc, "abci_info", {}).catch(() => ({})),
    ]);
    return nodeInfoJson(status, info);
  }),
  route("GET", "/cosmos/base/tendermint/v1beta1/syncing", async (rpc) => ({
    syncing: obj(obj(await call(rpc, "status", {})).sync_info).catching_up === true,
  })),
  route("GET", "/cosmos/base/tendermint/v1beta1/blocks/latest", async (rpc) =>
    blockResponseJson(await call(rpc, "block", {})),
  ),
  route("GET", "/cosmos/base/tendermint/v1beta1/blocks/{height}", async (rpc, p) => {
    if (!/^[1-9][0-9]{0,18}$/.test(p.height!))
      throw invalidArgument("requested block height must be a positive integer");
    try {
      return blockResponseJson(await call(rpc, "block", { height: p.height }));
    } catch (e) {
      if (e instanceof RestError) throw e;
      throw invalidArgument(reason(e));
    }
  }),
  ...["latest", "{height}"].map((at) =>
    route("GET", `/cosmos/base/tendermint/v1beta1/validatorsets/${at}`, async (rpc, p, req) => {
      if (p.height !== undefined && !/^[1-9][0-9]{0,18}$/.test(p.height))
        throw invalidArgument("requested block height must be a positive integer");
      const limit = positiveInt("pagination.limit", req.query.get("pagination.limit"), 100, 100);
      const offset = positiveInt("pagination.offset", req.query.get("pagination.offset"), 0, 1e9);
      if (offset % limit !== 0)
        throw invalidArgument("pagination.offset must be a multiple of pagination.limit");
      let r: unknown;
      try {
        r = await call(rpc, "validators", {
          ...(p.height !== undefined ? { height: p.height } : {}),
          page: String(offset / limit + 1),
          per_page: String(limit),
        });
      } catch (e) {
        if (e instanceof RestError) throw e;
        throw invalidArgument(reason(e));
      }
      return validatorSetJson(r);
    }),
  ),
  route("GET", "/cosmos/tx/v1beta1/txs/block/{height}", async (rpc, p) => {
    if (!/^[1-9][0-9]{0,18}$/.test(p.height!))
      throw invalidArgument("requested block height must be a positive integer");
    let r: unknown;
    try {
      r = await call(rpc, "block", { height: p.height });
    } catch (e) {
      if (e instanceof RestError) throw e;
      throw invalidArgument(reason(e));
    }
    const block = blockResponseJson(r) as { [k: string]: Json };
    const raw = obj(obj(obj(r).block).data).txs;
    // The proposer's beacon tx (beacon.ts) is no Cosmos tx: `block.data.txs` holds it, `txs` does not.
    const txs = (Array.isArray(raw) ? raw : []).flatMap((t) => {
      const tx = txJson(Buffer.from(String(t), "base64"));
      return tx ? [tx] : [];
    });
    return {
      txs,
      block_id: block.block_id!,
      block: block.block!,
      pagination: { next_key: null, total: String(txs.length) },
    };
  }),
  route("GET", "/cosmos/auth/v1beta1/accounts/{address}", async (rpc, p) => {
    const value = await abciQuery(
      rpc,
      "/cosmos.auth.v1beta1.Query/Account",
      QueryAccountRequest.encode({ address: checkedAddress(p.address!) }).finish(),
    );
    const { account } = QueryAccountResponse.decode(value);
    if (!account) throw notFound(`account ${p.address} not found`);
    const a = BaseAccount.decode(account.value);
    return {
      account: {
        "@type": account.typeUrl,
        address: a.address,
        pub_key: a.pubKey ? anyJson(a.pubKey) : null,
        account_number: a.accountNumber.toString(),
        sequence: a.sequence.toString(),
      },
    };
  }),
  ...["balances", "spendable_balances"].map((kind) =>
    route("GET", `/cosmos/bank/v1beta1/${kind}/{address}`, async (rpc, p) => {
      const r = QueryAllBalancesResponse.decode(
        await abciQuery(
          rpc,
          "/cosmos.bank.v1beta1.Query/AllBalances",
          QueryAllBalancesRequest.encode(
            QueryAllBalancesRequest.fromPartial({ address: checkedAddress(p.address!) }),
          ).finish(),
        ),
      );
      return {
        balances: r.balances.map((c) => ({ denom: c.denom, amount: c.amount })),
        pagination: {
          next_key: r.pagination?.nextKey.length ? b64(r.pagination.nextKey) : null,
          total: (r.pagination?.total ?? 0n).toString(),
        },
      };
    }),
  ),
  route("GET", "/cosmos/bank/v1beta1/balances/{address}/by_denom", async (rpc, p, req) => {
    const denom = req.query.get("denom") ?? "";
    if (!DENOM_RE.test(denom)) throw invalidArgument(`invalid denom: ${denom.slice(0, 200)}`);
    const r = QueryBalanceResponse.decode(
      await abciQuery(
        rpc,
        "/cosmos.bank.v1beta1.Query/Balance",
        QueryBalanceRequest.encode({ address: checkedAddress(p.address!), denom }).finish(),
      ),
    );
    return { balance: r.balance ? { denom: r.balance.denom, amount: r.balance.amount } : null };
  }),
  // x/upgrade's: the scheduled software upgrade (null when none; `time` is the SDK's zero time, heights only here) and where a name ran.
  route("GET", "/cosmos/upgrade/v1beta1/current_plan", async (rpc) => {
    const { plan } = QueryCurrentPlanResponse.decode(
      await abciQuery(
        rpc,
        "/cosmos.upgrade.v1beta1.Query/CurrentPlan",
        QueryCurrentPlanRequest.encode({}).finish(),
      ),
    );
    return {
      plan: plan
        ? {
            name: plan.name,
            time: "0001-01-01T00:00:00Z",
            height: plan.height.toString(),
            info: plan.info,
            upgraded_client_state: null,
          }
        : null,
    };
  }),
  route("GET", "/cosmos/upgrade/v1beta1/applied_plan/{name}", async (rpc, p) => {
    const r = QueryAppliedPlanResponse.decode(
      await abciQuery(
        rpc,
        "/cosmos.upgrade.v1beta1.Query/AppliedPlan",
        QueryAppliedPlanRequest.encode({ name: p.name! }).finish(),
      ),
    );
    return { height: r.height.toString() };
  }),
  route("GET", "/cosmos/tx/v1beta1/txs/{hash}", async (rpc, p) => {
    const hash = p.hash!;
    if (hash.length > 128) throw invalidArgument("tx hash too long");
    const bad = hexProblem(hash);
    if (bad) throw new RestError(Grpc.Unknown, bad);
    let tx: unknown;
    try {
      tx = await call(rpc, "tx", {
        hash: Buffer.from(hash, "hex").toString("base64"),
        prove: false,
      });
    } catch (e) {
      if (e instanceof RestError) throw e;
      if (/not found/.test(reason(e))) throw notFound(`tx not found: ${hash}`);
      throw new RestError(Grpc.Unknown, reason(e));
    }
    const response = txResponseJson(tx, await blockTime(rpc, String(obj(tx).height ?? "")));
    return { tx: bareTx(obj(response).tx), tx_response: response } as Json;
  }),
  route("GET", "/cosmos/tx/v1beta1/txs", async (rpc, _p, req) => {
    const q = req.query;
    const events = q.getAll("events");
    const query = q.get("query") || (events.length > 0 ? queryOfEvents(events) : "");
    if (query === "") throw invalidArgument("query cannot be empty");
    if (query.length > 4096) throw invalidArgument("query too long (at most 4096 characters)");
    const limit = positiveInt(
      "limit",
      q.get("limit") ?? q.get("pagination.limit"),
      MAX_PAGE_SIZE,
      MAX_PAGE_SIZE,
    );
    const offset = positiveInt("pagination.offset", q.get("pagination.offset"), 0, 1e12);
    const page = positiveInt("page", q.get("page"), Math.floor(offset / limit) + 1, 1e9);
    const orderBy = ORDER[q.get("order_by") ?? ""];
    if (orderBy === undefined)
      throw invalidArgument(`order_by: expected ORDER_BY_ASC or ORDER_BY_DESC`);
    let r: unknown;
    try {
      r = await call(rpc, "tx_search", {
        query,
        prove: false,
        page: String(page),
        per_page: String(limit),
        order_by: orderBy,
      });
    } catch (e) {
      // The SDK passes CometBFT's refusal (a malformed query, a page past the end) on as it is: code 2, HTTP 500.
      if (e instanceof RestError) throw e;
      throw new RestError(Grpc.Unknown, reason(e));
    }
    const txs = Array.isArray(obj(r).txs) ? (obj(r).txs as unknown[]) : [];
    const times = new Map<string, string>();
    for (const t of txs) {
      const h = String(obj(t).height ?? "");
      if (!times.has(h)) times.set(h, await blockTime(rpc, h));
    }
    // Proposers' beacon txs (beacon.ts), indexed by CometBFT as any tx, are no Cosmos txs: left out, as the SDK could not decode them (`total` is CometBFT's count).
    const responses = txs
      .map((t) => txResponseJson(t, times.get(String(obj(t).height ?? ""))!))
      .filter((t) => obj(t).tx !== null);
    return {
      txs: responses.map((t) => bareTx(obj(t).tx)),
      tx_responses: responses,
      pagination: null,
      total: String(obj(r).total_count ?? "0"),
    };
  }),
  route("POST", "/cosmos/tx/v1beta1/simulate", async (rpc, _p, req) => {
    const body = jsonBody(req.body);
    if (body.tx_bytes === undefined || body.tx_bytes === "")
      throw invalidArgument(
        "empty txBytes is not allowed (the deprecated `tx` field is not supported: send tx_bytes)",
      );
    const txBytes = base64Field("tx_bytes", body.tx_bytes);
    let value: Uint8Array;
    try {
      value = await abciQuery(
        rpc,
        "/cosmos.tx.v1beta1.Service/Simulate",
        SimulateRequest.encode(SimulateRequest.fromPartial({ txBytes })).finish(),
      );
    } catch (e) {
      // A tx the app refuses: the SDK's Simulate answers code 2 (Unknown, HTTP 500) with the gas it got to.
      if (
        !(e instanceof RestError) ||
        e.code === Grpc.Unavailable ||
        e.code === Grpc.DeadlineExceeded
      )
        throw e;
      throw new RestError(Grpc.Unknown, `${e.message} With gas wanted: '0' and gas used: '0' `);
    }
    const r = SimulateResponse.decode(value);
    return {
      gas_info: {
        gas_wanted: (r.gasInfo?.gasWanted ?? 0n).toString(),
        gas_used: (r.gasInfo?.gasUsed ?? 0n).toString(),
      },
      result: r.result
        ? {
            data: b64(r.result.data),
            log: r.result.log,
            events: r.result.events.map((e) => ({
              type: e.type,
              attributes: e.attributes.map((a) => ({ key: a.key, value: a.value, index: a.index })),
            })),
            msg_responses: r.result.msgResponses.map(anyJson),
          }
        : null,
    };
  }),
  route("POST", "/cosmos/tx/v1beta1/txs", async (rpc, _p, req) => {
    const body = jsonBody(req.body);
    if (body.tx_bytes === undefined || body.tx_bytes === "")
      throw invalidArgument("invalid empty tx");
    const tx = base64Field("tx_bytes", body.tx_bytes);
    const mode = String(body.mode ?? "");
    const method = BROADCAST[mode];
    if (method === undefined)
      throw invalidArgument(
        `unsupported broadcast mode ${JSON.stringify(mode.slice(0, 100))}; supported: BROADCAST_MODE_SYNC, BROADCAST_MODE_ASYNC`,
      );
    const hash = Buffer.from(
      await crypto.subtle.digest("SHA-256", tx as Uint8Array<ArrayBuffer>),
    ).toString("hex");
    try {
      const r = obj(await call(rpc, method, { tx: b64(tx) }));
      return {
        tx_response: broadcastResponseJson({
          code: Number(r.code ?? 0),
          codespace: String(r.codespace ?? ""),
          log: String(r.log ?? ""),
          hash: String(r.hash ?? hash),
          data: String(r.data ?? ""),
        }),
      };
    } catch (e) {
      if (e instanceof RestError) throw e;
      const refused = mempoolRefusal(reason(e));
      if (!refused) throw new RestError(Grpc.Unknown, reason(e));
      return {
        tx_response: broadcastResponseJson({ ...refused, codespace: "sdk", hash }),
      };
    }
  }),
];

/** `GetGradient` → `get_gradient`. */
const snake = (name: string): string => name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();

const protocolRoute = (m: DescMethod): Route =>
  route(
    "GET",
    `/remes/remes/v1/${snake(m.name)}${m.input.fields.map((f) => `/{${f.name}}`).join("")}`,
    async (rpc, p) => {
      let input;
      try {
        input = fromJson(
          m.input,
          Object.fromEntries(m.input.fields.map((f) => [f.jsonName, p[f.name]!])) as JsonValue,
        );
      } catch (e) {
        throw invalidArgument(e instanceof Error ? e.message.slice(0, 300) : String(e));
      }
      const value = await abciQuery(rpc, PROTOCOL_QUERY_PREFIX + m.name, toBinary(m.input, input));
      return toJson(m.output, fromBinary(m.output, value), PROTO_JSON) as Json;
    },
  );

const routes: readonly Route[] = [...cosmosRoutes, ...Query.methods.map(protocolRoute)];

/** Every route, as `METHOD /path/{param}` (docs, tests). */
export const restRoutes: readonly string[] = routes.map(
  (r) => `${r.method} /${r.pattern.join("/")}`,
);

const match = (pattern: readonly string[], segments: readonly string[]): Params | undefined => {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const s = segments[i]!;
    if (p.startsWith("{")) {
      if (s === "") return undefined;
      params[p.slice(1, -1)] = s;
    } else if (p !== s) return undefined;
  }
  return params;
};

/**
 * The gateway: a request → the SDK's answer. Never throws: a route's
 * failure is its status; anything unexpected is a 500 (code 13) with its
 * message.
 */
export const restHandler =
  (rpc: Rpc) =>
  async (req: RestRequest): Promise<RestResponse> => {
    try {
      let segments: string[];
      try {
        segments = req.path.split("/").slice(1).map(decodeURIComponent);
      } catch {
        throw invalidArgument("the path is not valid percent-encoding");
      }
      let pathMatched = false;
      for (const r of routes) {
        const params = match(r.pattern, segments);
        if (!params) continue;
        pathMatched = true;
        if (r.method !== req.method) continue;
        return { status: 200, body: await r.handle(rpc, params, req) };
      }
      // grpc-gateway's answers for a path no route has, and for a method the path's route does not take.
      throw new RestError(
        Grpc.Unimplemented,
        pathMatched ? "Method Not Allowed" : "Not Implemented",
      );
    } catch (e) {
      const err =
        e instanceof RestError
          ? e
          : new RestError(Grpc.Internal, e instanceof Error ? e.message : String(e));
      return { status: err.status, body: err.body };
    }
  };
