/**
 * Target "query": ABCI Query with random paths (the router's own, JS
 * prototype names, near misses, random strings) and payloads (each
 * request type generated from its descriptor with addresses at their edges,
 * then mutated on the wire, or random bytes).
 *
 * Oracles: no throw escapes; an answer with code 0 is for a path the router
 * lists and carries bytes, and encodes; any other path is answered "unknown
 * query path" (code 6).
 */
import { create, type DescMessage, toBinary } from "@bufbuild/protobuf";
import { QueryAccountRequest } from "cosmjs-types/cosmos/auth/v1beta1/query";
import {
  QueryAllBalancesRequest,
  QueryBalanceRequest,
} from "cosmjs-types/cosmos/bank/v1beta1/query";
import { Response } from "cosmjs-types/tendermint/abci/types";
import fc from "fast-check";
import * as Q from "../../gen/remes/v1/query_pb.ts";
import { encodeAbciResponse } from "../../node/abci-encoding.ts";
import { PROTOCOL_QUERY_PREFIX, queryPaths } from "../../node/query.ts";
import { addressArb, messageArb } from "../commands.ts";
import { finding, type Finding } from "../finding.ts";
import { type Mutation, mutate } from "../protowire.ts";
import type { FuzzTarget } from "../runner.ts";
import { ACTORS, fuzzApp } from "../world.ts";

const PROTOTYPE_NAMES = [
  "constructor",
  "__proto__",
  "toString",
  "hasOwnProperty",
  "valueOf",
  "__defineGetter__",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "toLocaleString",
];

export interface QueryInput {
  readonly path: string;
  readonly data: Uint8Array;
  readonly height: bigint;
}

const requestSchemas: DescMessage[] = (Object.values(Q) as unknown[]).filter(
  (v): v is DescMessage =>
    typeof v === "object" &&
    v !== null &&
    (v as DescMessage).kind === "message" &&
    (v as DescMessage).typeName.endsWith("Request"),
);

export const queryArb = (): fc.Arbitrary<QueryInput> => {
  const path = fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...queryPaths) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        ...PROTOTYPE_NAMES.flatMap((n) => [n, PROTOCOL_QUERY_PREFIX + n, `/${n}`]),
      ),
    },
    { weight: 1, arbitrary: fc.constantFrom(...queryPaths).map((p) => p.toUpperCase()) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(...queryPaths)
        .chain((p) => fc.constantFrom(p + "/", p.slice(0, -1), `${p}\u0000`, p.replace("/", "//"))),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "",
        "/",
        PROTOCOL_QUERY_PREFIX,
        "/app/simulate",
        "/store/bank/key",
        "custom/remes",
      ),
    },
  );
  const addr = addressArb(ACTORS);
  const valid = fc.oneof(
    addr.map((address) => QueryAccountRequest.encode({ address }).finish()),
    fc
      .tuple(addr, fc.constantFrom("uremes", "", "uatom"))
      .map(([address, denom]) => QueryBalanceRequest.encode({ address, denom }).finish()),
    addr.map((address) =>
      QueryAllBalancesRequest.encode(QueryAllBalancesRequest.fromPartial({ address })).finish(),
    ),
    ...requestSchemas.map((s) =>
      messageArb(s, ACTORS).map((init) => toBinary(s, create(s, init as never))),
    ),
  );
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    fc.record({ op: fc.constant("byte" as const), at: fc.nat(), value: fc.nat(255) }),
    fc.record({ op: fc.constant("truncate" as const), keep: fc.nat() }),
    fc.record({
      op: fc.constant("lie" as const),
      i: fc.nat(4),
      delta: fc.constantFrom(-1, 1, 1000),
    }),
    fc.record({
      op: fc.constant("unknown" as const),
      no: fc.constantFrom(2, 9, 1000),
      wire: fc.constantFrom(0 as const, 2 as const),
      value: fc.uint8Array({ maxLength: 4 }),
      at: fc.nat(4),
    }),
  );
  const data = fc.oneof(
    { weight: 4, arbitrary: valid },
    {
      weight: 2,
      arbitrary: fc
        .tuple(valid, fc.array(mutation, { minLength: 1, maxLength: 2 }))
        .map(([b, ms]) => ms.reduce(mutate, b)),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
  );
  return fc.record({ path, data, height: fc.constantFrom(0n, 1n, 2n ** 63n - 1n) });
};

export const checkQuery = (input: QueryInput): Finding | undefined => {
  const app = fuzzApp();
  const res = app.handle(
    { query: { path: input.path, data: input.data, height: input.height, prove: false } },
    "query",
  );
  const q = (res as Response).query!;
  const known = queryPaths.includes(input.path);
  const prototype = PROTOTYPE_NAMES.some((n) => input.path === n || input.path.endsWith(`/${n}`));
  if (!known && q.code !== 6) {
    return finding(
      prototype ? "query.prototype-path" : "query.unknown-path-answered",
      `path ${JSON.stringify(input.path)} is no query path, yet answered code ${q.code} (${String(q.log).slice(0, 160)})`,
    );
  }
  if (q.code === 0 && !(q.value instanceof Uint8Array))
    return finding(
      "query.bad-value",
      `path ${input.path} answered code 0 with a value that is not bytes`,
    );
  try {
    encodeAbciResponse(res as Response);
  } catch (e) {
    return finding(
      "query.unencodable",
      `the answer to ${input.path} can not be encoded: ${String(e).slice(0, 200)}`,
    );
  }
  return undefined;
};

export const queryTarget: FuzzTarget<QueryInput> = {
  name: "query",
  description:
    "ABCI Query with random paths and payloads: only the router's own paths answer, every answer encodes",
  ciRuns: 30_000,
  arbitrary: queryArb,
  check: checkQuery,
};
