/**
 * ABCI events: what CometBFT indexes (kv indexer) and cosmjs `searchTx`
 * queries. Each tx gets the Cosmos SDK's `tx` and `message` events (sender,
 * action = type URL, module) so stock queries like `message.sender='remes1…'`
 * work; each protocol event becomes `remes.<case>` with its fields in
 * protobuf JSON form (strings for 64-bit numbers, base64 for bytes).
 *
 * Every attribute is in the block results; only the attributes a query
 * path uses are written to CometBFT's tx index (SEARCH_KEYS): each indexed
 * attribute is a write per tx, and CometBFT's tx search answers nothing for
 * one that is not indexed. The consumers: the explorer's tx lists
 * (`tx.fee_payer EXISTS`, `message.sender='…'`), wallets and cosmjs
 * `searchTx` listing what an account received (`transfer.recipient`), the REST gateway's tx
 * search (which, as the Cosmos SDK's, passes any other key to CometBFT and
 * so answers an empty list for it), cosmjs `searchTx` by sender or height, and CometBFT's own `tx.hash` and `tx.height`. Nothing
 * queries the protocol events' attributes, `tx.acc_seq`, the fee, the
 * signature or message.module: clients read them from the block results.
 */
import { type DescField, ScalarType, toJson } from "@bufbuild/protobuf";
import type { Event as AbciEvent, EventAttribute } from "cosmjs-types/tendermint/abci/types";
import { EventSchema } from "../gen/remes/v1/events_pb.ts";
import type { ProtocolEvent } from "../protocol/events.ts";
import { isModuleAccount } from "../protocol/state.ts";

/**
 * The tx-search keys this node's txs can be found by: CometBFT's own
 * `tx.hash` and `tx.height`, and the three attributes txAbciEvents indexes.
 */
export const SEARCH_KEYS: readonly string[] = [
  "tx.hash",
  "tx.height",
  "tx.fee_payer",
  "message.action",
  "message.sender",
  "transfer.recipient",
  "transfer.sender",
];

type Json = string | number | boolean;

/**
 * Bytes as base64 (Buffer's, padded), copied into one scratch Buffer
 * rather than a Buffer of their own each (a signature and a few hashes per
 * tx): only the string is new. Buffer.from(v) for larger values; a view
 * over `.buffer` would move a small on-heap array off V8's heap for good.
 */
const scratch = Buffer.allocUnsafe(256);
export const base64Of = (v: Uint8Array): string => {
  if (v.length > scratch.length) return Buffer.from(v).toString("base64");
  scratch.set(v);
  return scratch.toString("base64", 0, v.length);
};

/** One value as protobuf JSON writes it (toJson): 64-bit ints as strings, bytes as base64, enums by name. */
const jsonOf = (f: DescField): ((v: unknown) => Json) => {
  if (f.fieldKind === "enum" || (f.fieldKind === "list" && f.listKind === "enum")) {
    const names = new Map(f.enum!.values.map((e) => [e.number, e.name] as const));
    return (v) => names.get(v as number) ?? (v as number);
  }
  const scalar =
    f.fieldKind === "scalar" || (f.fieldKind === "list" && f.listKind === "scalar")
      ? f.scalar
      : undefined;
  switch (scalar) {
    case ScalarType.STRING:
    case ScalarType.BOOL:
    case ScalarType.UINT32:
    case ScalarType.INT32:
      return (v) => v as Json;
    case ScalarType.UINT64:
    case ScalarType.INT64:
      return (v) => String(v);
    case ScalarType.BYTES:
      return (v) => base64Of(v as Uint8Array);
    default:
      throw new Error(
        `abci-events.ts: no attribute form for ${f.toString()}; extend jsonOf (and its test)`,
      );
  }
};

/** An attribute's value from a field, or undefined for a proto3 default (toJson leaves those out). */
const attributeOf = (f: DescField): ((v: unknown) => string | undefined) => {
  // Messages (governance proposals, params): rare events, so protobuf-es toJson itself.
  if (f.fieldKind === "message")
    return (v) =>
      v === undefined
        ? undefined
        : JSON.stringify(toJson(f.message, v as never, { alwaysEmitImplicit: false }));
  // Lists of messages (consensus set updates): rare, so toJson too.
  if (f.fieldKind === "list" && f.listKind === "message")
    return (v) =>
      (v as unknown[]).length === 0
        ? undefined
        : JSON.stringify(
            (v as unknown[]).map((x) =>
              toJson(f.message, x as never, { alwaysEmitImplicit: false }),
            ),
          );
  const json = jsonOf(f);
  if (f.fieldKind === "list")
    return (v) =>
      (v as unknown[]).length === 0 ? undefined : JSON.stringify((v as unknown[]).map(json));
  const isDefault = (v: unknown) =>
    v === 0 || v === 0n || v === "" || v === false || (v instanceof Uint8Array && v.length === 0);
  return (v) => {
    if (isDefault(v)) return undefined;
    const j = json(v);
    return typeof j === "string" ? j : JSON.stringify(j);
  };
};

interface FieldPlan {
  readonly key: string;
  readonly localName: string;
  readonly value: (v: unknown) => string | undefined;
}

/**
 * Per protocol event case: its ABCI type and a plan of its fields in order,
 * compiled once from the descriptor. An event's attributes are exactly the
 * entries of protobuf-es `toJson` of its message (default values left out,
 * lists as JSON text) — a property test checks that — without building the
 * JSON object: toJson and Object.entries were a fifth of the app's garbage
 * per tx.
 */
const eventPlans = new Map<
  string,
  { readonly type: string; readonly fields: readonly FieldPlan[] }
>(
  EventSchema.fields.flatMap((f) =>
    f.message === undefined
      ? []
      : [
          [
            f.localName,
            {
              type: `remes.${f.localName}`,
              fields: f.message.fields.map((g) => ({
                key: g.jsonName,
                localName: g.localName,
                value: attributeOf(g),
              })),
            },
          ] as const,
        ],
  ),
);

/** An event none of whose attributes is indexed (no query path searches a block event). */
export const abciEvent = (type: string, attrs: Record<string, string>): AbciEvent => ({
  type,
  attributes: Object.entries(attrs).map(([key, value]) => ({ key, value, index: false })),
});

export const protocolAbciEvent = (e: ProtocolEvent): AbciEvent => {
  const plan = eventPlans.get(e.case)!;
  const value = e.value as unknown as Record<string, unknown>;
  const attributes: EventAttribute[] = [];
  const fields = plan.fields;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    const v = f.value(value[f.localName]);
    if (v !== undefined) attributes.push({ key: f.key, value: v, index: false });
  }
  return { type: plan.type, attributes };
};

export interface TxEventInfo {
  readonly signer: string;
  readonly sequence: bigint;
  readonly fee: bigint;
  readonly signature: Uint8Array;
  readonly typeUrls: readonly string[];
}

const attr = (key: string, value: string, index: boolean): EventAttribute => ({
  key,
  value,
  index,
});

/**
 * A tx's events: `tx` {fee, fee_payer} (fee_payer indexed), `tx`
 * {acc_seq}, `tx` {signature}, a `message` {action, sender, module} per
 * message (action and sender indexed), then its protocol events (none
 * indexed) — built directly, without a record and its entries
 * per event (test/node/abci-events.test.ts pins them).
 */
export const txAbciEvents = (
  t: TxEventInfo,
  protocolEvents: readonly ProtocolEvent[],
): AbciEvent[] => {
  const out: AbciEvent[] = [
    {
      type: "tx",
      attributes: [attr("fee", `${t.fee}uremes`, false), attr("fee_payer", t.signer, true)],
    },
    { type: "tx", attributes: [attr("acc_seq", `${t.signer}/${t.sequence}`, false)] },
    {
      type: "tx",
      attributes: [attr("signature", base64Of(t.signature), false)],
    },
  ];
  for (let i = 0; i < t.typeUrls.length; i++) {
    const action = t.typeUrls[i]!;
    out.push({
      type: "message",
      attributes: [
        attr("action", action, true),
        attr("sender", t.signer, true),
        // message.module is always "remes": indexing it would only repeat every tx under one key.
        attr("module", "remes", false),
      ],
    });
  }
  for (let i = 0; i < protocolEvents.length; i++) {
    const e = protocolEvents[i]!;
    if (e.case === "transferred") out.push(...bankAbciEvents(e.value));
    out.push(protocolAbciEvent(e));
  }
  return out;
};

/**
 * The Cosmos SDK's bank events of a transfer between two accounts (a
 * send): what wallets and cosmjs `searchTx` look for to list an
 * account's received txs (`transfer.recipient`). Transfers from or to a
 * module account (fees, bonds, rewards) get none: the tx event names the fee
 * and its payer, the protocol events the rest, and an index entry per fee
 * would be a write for every tx.
 */
const bankAbciEvents = (t: {
  readonly from: string;
  readonly to: string;
  readonly amount: bigint;
}): AbciEvent[] => {
  if (isModuleAccount(t.from) || isModuleAccount(t.to)) return [];
  const amount = `${t.amount}uremes`;
  return [
    {
      type: "coin_spent",
      attributes: [attr("spender", t.from, false), attr("amount", amount, false)],
    },
    {
      type: "coin_received",
      attributes: [attr("receiver", t.to, false), attr("amount", amount, false)],
    },
    {
      type: "transfer",
      attributes: [
        attr("recipient", t.to, true),
        attr("sender", t.from, true),
        attr("amount", amount, false),
      ],
    },
  ];
};
