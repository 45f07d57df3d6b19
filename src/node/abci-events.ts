/**
 * ABCI events: what CometBFT indexes (kv indexer) and cosmjs `searchTx`
 * queries. Each tx gets the Cosmos SDK's `tx` and `message` events (sender,
 * action = type URL, module) so stock queries like `message.sender='remes1…'`
 * work; each protocol event becomes `remes.<case>` with its fields in
 * protobuf JSON form (strings for 64-bit numbers, base64 for bytes).
 *
 * Every attribute is in the block results; only those marked `index` are
 * written to CometBFT's tx index, and each indexed attribute is a write per
 * tx (indexing all of them cost CometBFT half its CPU under load). Indexed:
 * who and where — tx.fee_payer, tx.acc_seq, message.action/sender,
 * and in protocol events the string fields (addresses, CIDs, reasons) and
 * the identifiers (window, shard, *_id). Not indexed: amounts, hashes and
 * other bytes, sizes, losses, flags, lists, the fee, the signature and
 * message.module (always "remes").
 */
import { type DescMessage, ScalarType, toJson } from "@bufbuild/protobuf";
import type { Event as AbciEvent } from "cosmjs-types/tendermint/abci/types";
import { EventSchema } from "../gen/remes/v1/events_pb.ts";
import type { ProtocolEvent } from "../protocol/events.ts";

/** Whether a protocol event's field is a search key: a string, or a window, shard or id number. */
const isSearchKey = (f: DescMessage["fields"][number]): boolean =>
  f.fieldKind === "scalar" && (f.scalar === ScalarType.STRING || (f.scalar === ScalarType.UINT32 && (f.localName === "window" || f.localName === "shard" || f.localName.endsWith("Id"))));

/** Per protocol event case: its schema and the JSON names of its indexed fields. */
const eventSchemas = new Map<string, { readonly schema: DescMessage; readonly indexed: ReadonlySet<string> }>(
  EventSchema.fields.flatMap((f) => (f.message === undefined ? [] : [[f.localName, { schema: f.message, indexed: new Set(f.message.fields.filter(isSearchKey).map((g) => g.jsonName)) }] as const])),
);

/** An event whose attributes are all indexed, or those named in `indexed`. */
export const abciEvent = (type: string, attrs: Record<string, string>, indexed?: ReadonlySet<string>): AbciEvent => ({
  type,
  attributes: Object.entries(attrs).map(([key, value]) => ({ key, value, index: indexed === undefined || indexed.has(key) })),
});

export const protocolAbciEvent = (e: ProtocolEvent): AbciEvent => {
  const { schema, indexed } = eventSchemas.get(e.case)!;
  const json = toJson(schema, e.value as never, { alwaysEmitImplicit: false }) as Record<string, unknown>;
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(json)) attrs[k] = typeof v === "string" ? v : JSON.stringify(v);
  return abciEvent(`remes.${e.case}`, attrs, indexed);
};

export interface TxEventInfo {
  readonly signer: string;
  readonly sequence: bigint;
  readonly fee: bigint;
  readonly signature: Uint8Array;
  readonly typeUrls: readonly string[];
}

const NONE: ReadonlySet<string> = new Set();
const FEE_PAYER: ReadonlySet<string> = new Set(["fee_payer"]);
/** message.module is always "remes": indexing it would only repeat every tx under one key. */
const ACTION_SENDER: ReadonlySet<string> = new Set(["action", "sender"]);

export const txAbciEvents = (t: TxEventInfo, protocolEvents: readonly ProtocolEvent[]): AbciEvent[] => [
  abciEvent("tx", { fee: `${t.fee}uremes`, fee_payer: t.signer }, FEE_PAYER),
  abciEvent("tx", { acc_seq: `${t.signer}/${t.sequence}` }),
  abciEvent("tx", { signature: Buffer.from(t.signature).toString("base64") }, NONE),
  ...t.typeUrls.map((action) => abciEvent("message", { action, sender: t.signer, module: "remes" }, ACTION_SENDER)),
  ...protocolEvents.map(protocolAbciEvent),
];
