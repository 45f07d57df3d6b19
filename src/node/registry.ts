/**
 * Client side: a cosmjs `Registry` that knows the remes messages, so stock
 * `SigningStargateClient` signs and broadcasts them. protobuf-es v2 messages
 * are registered through a small adapter shaped like ts-proto's generated
 * types (`fromPartial` → `create`, `encode(..).finish()` → `toBinary`).
 */
import {
  create,
  type DescMessage,
  fromBinary,
  type MessageInitShape,
  toBinary,
} from "@bufbuild/protobuf";
import type { GenMessage } from "@bufbuild/protobuf/codegenv2";
import { type GeneratedType, Registry } from "@cosmjs/proto-signing";
import { defaultRegistryTypes } from "@cosmjs/stargate";
import { CommandSchema } from "../gen/remes/v1/tx_pb.ts";
import type { ProtocolCommand } from "../protocol/commands.ts";
import { typeUrlOf } from "./tx.ts";

export const adapt = (schema: DescMessage): GeneratedType => ({
  encode: (message: object) => {
    const bytes = toBinary(schema, create(schema, message as MessageInitShape<GenMessage<never>>));
    return { finish: () => bytes } as never;
  },
  decode: (input: Uint8Array) => fromBinary(schema, input),
  fromPartial: (object: object) => create(schema, object as MessageInitShape<GenMessage<never>>),
});

export const remesTypes: [string, GeneratedType][] = CommandSchema.fields.flatMap((f) =>
  f.message === undefined
    ? []
    : [[`/${f.message.typeName}`, adapt(f.message)] as [string, GeneratedType]],
);

/** The cosmos default types (bank send, …) plus every `/remes.remes.v1.Msg…`. */
export const remesRegistry = (): Registry => new Registry([...defaultRegistryTypes, ...remesTypes]);

/** A protocol command as a cosmjs EncodeObject. */
export const encodeObject = (cmd: ProtocolCommand): { typeUrl: string; value: object } => ({
  typeUrl: typeUrlOf(cmd),
  value: cmd.value,
});
