/**
 * ABCI events: what CometBFT indexes (kv indexer) and cosmjs `searchTx`
 * queries. Each tx gets the Cosmos SDK's `tx` and `message` events (sender,
 * action = type URL, module) so stock queries like `message.sender='remes1…'`
 * work; each protocol event becomes `remes.<case>` with its fields in
 * protobuf JSON form (strings for 64-bit numbers, base64 for bytes).
 */
import { type DescMessage, toJson } from "@bufbuild/protobuf";
import type { Event as AbciEvent } from "cosmjs-types/tendermint/abci/types";
import { EventSchema } from "../gen/remes/v1/events_pb.ts";
import type { ProtocolEvent } from "../protocol/events.ts";

const eventSchemas = new Map<string, DescMessage>(
  EventSchema.fields.flatMap((f) => (f.message === undefined ? [] : [[f.localName, f.message] as const])),
);

export const abciEvent = (type: string, attrs: Record<string, string>): AbciEvent => ({
  type,
  attributes: Object.entries(attrs).map(([key, value]) => ({ key, value, index: true })),
});

export const protocolAbciEvent = (e: ProtocolEvent): AbciEvent => {
  const json = toJson(eventSchemas.get(e.case)!, e.value as never, { alwaysEmitImplicit: false }) as Record<string, unknown>;
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(json)) attrs[k] = typeof v === "string" ? v : JSON.stringify(v);
  return abciEvent(`remes.${e.case}`, attrs);
};

export interface TxEventInfo {
  readonly signer: string;
  readonly sequence: bigint;
  readonly fee: bigint;
  readonly signature: Uint8Array;
  readonly typeUrls: readonly string[];
}

export const txAbciEvents = (t: TxEventInfo, protocolEvents: readonly ProtocolEvent[]): AbciEvent[] => [
  abciEvent("tx", { fee: `${t.fee}uremes`, fee_payer: t.signer }),
  abciEvent("tx", { acc_seq: `${t.signer}/${t.sequence}` }),
  abciEvent("tx", { signature: Buffer.from(t.signature).toString("base64") }),
  ...t.typeUrls.map((action) => abciEvent("message", { action, sender: t.signer, module: "remes" })),
  ...protocolEvents.map(protocolAbciEvent),
];
