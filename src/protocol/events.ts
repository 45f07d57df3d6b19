/**
 * Protocol events are the cases of the `remes.remes.v1.Event` oneof: a
 * tagged union `{ case, value }` whose values are the generated protobuf-es
 * messages, so the proto file is the one definition of every event.
 */
import type { DescMessage, MessageInitShape } from "@bufbuild/protobuf";
import type { GenMessage } from "@bufbuild/protobuf/codegenv2";
import { createMessage } from "./create.ts";
import type { WithNumberIds } from "./ids.ts";
import { type Event, EventSchema } from "../gen/remes/v1/events_pb.ts";

export type ProtocolEvent = Exclude<Event["kind"], { case: undefined }>;
export type EventCase = ProtocolEvent["case"];
/** How a block step records what happened: every decide step takes one (the machine collects the events, then evolves state by them). */
export type Emit = (e: ProtocolEvent) => void;
export type EventOf<C extends EventCase> = Extract<ProtocolEvent, { case: C }>["value"];
type InitOf<C extends EventCase> = WithNumberIds<MessageInitShape<GenMessage<EventOf<C>>>>;

const schemas = new Map<string, DescMessage>(
  EventSchema.fields.flatMap((f) =>
    f.message === undefined ? [] : [[f.localName, f.message] as const],
  ),
);

/** Builds an event of the given case; omitted fields take proto3 defaults. */
export const event = <C extends EventCase>(kind: C, init: InitOf<C>): ProtocolEvent =>
  ({
    case: kind,
    value: createMessage<EventOf<C>>(schemas.get(kind)!, init as Record<string, unknown>),
  }) as ProtocolEvent;
