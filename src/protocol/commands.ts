/**
 * Protocol commands are the cases of the `remes.remes.v1.Command` oneof; each
 * is a Msg of tx.proto whose first field names its signer.
 */
import type { DescMessage, MessageInitShape } from "@bufbuild/protobuf";
import type { GenMessage } from "@bufbuild/protobuf/codegenv2";
import { createMessage } from "./create.ts";
import type { WithNumberIds } from "./ids.ts";
import { type Command, CommandSchema } from "../gen/remes/v1/tx_pb.ts";

export type ProtocolCommand = Exclude<Command["msg"], { case: undefined }>;
export type CommandCase = ProtocolCommand["case"];
export type CommandOf<C extends CommandCase> = Extract<ProtocolCommand, { case: C }>["value"];
type InitOf<C extends CommandCase> = WithNumberIds<MessageInitShape<GenMessage<CommandOf<C>>>>;

const schemas = new Map<string, DescMessage>(
  CommandSchema.fields.flatMap((f) =>
    f.message === undefined ? [] : [[f.localName, f.message] as const],
  ),
);

/** Builds a command of the given case; omitted fields take proto3 defaults. */
export const command = <C extends CommandCase>(kind: C, init: InitOf<C>): ProtocolCommand =>
  ({
    case: kind,
    value: createMessage<CommandOf<C>>(schemas.get(kind)!, init as Record<string, unknown>),
  }) as ProtocolCommand;

/** The address that must have signed the command (its first field). */
export const signerOf = (cmd: ProtocolCommand): string => {
  const v = cmd.value;
  switch (cmd.case) {
    case "send":
      return cmd.value.fromAddress;
    case "registerMiner":
      return cmd.value.miner;
    case "registerValidator":
      return cmd.value.validator;
    case "registerProposer":
      return cmd.value.proposer;
    case "registerServingNode":
      return cmd.value.operator;
    case "bond":
    case "unbond":
      return cmd.value.address;
    case "submitGradient":
    case "commitGradient":
      return cmd.value.miner;
    case "challengeGradient":
    case "challengeAggregation":
    case "challengeAvailability":
      return cmd.value.challenger;
    case "voteLossCheck":
    case "submitArbitrationVerdict":
    case "commitTrapJobs":
    case "revealTrapJobs":
      return cmd.value.validator;
    case "commitAggregation":
    case "submitAggregation":
      return cmd.value.proposer;
    case "submitProposal":
      return cmd.value.proposer;
    case "vote":
      return cmd.value.voter;
    case "proveAvailability":
      return cmd.value.miner;
    default:
      return absurd(cmd, v);
  }
};

const absurd = (_: never, __: unknown): never => {
  throw new Error("unreachable command case");
};
