/**
 * The `r3mes` command tree. Each subcommand lives in its own module under
 * ./commands/ and is listed in `subcommands` below; this module has no side
 * effects, so tests can run the tree in-process with `Command.runWith`.
 */
import { Command } from "effect/cli";
import { demoCommand } from "./commands/demo.ts";
import { explorerCommand } from "./commands/explorer.ts";
import { fuzzCommand } from "./commands/fuzz.ts";
import { govCommand } from "./commands/gov.ts";
import { kernelsCommand } from "./commands/kernels.ts";
import { keysCommand } from "./commands/keys.ts";
import { nodeCommand } from "./commands/node.ts";
import { reportCommand } from "./commands/report.ts";
import { sendCommand } from "./commands/send.ts";
import { minerCommand, proposerCommand, validatorCommand } from "./commands/roles.ts";
import { testnetCommand } from "./commands/testnet.ts";
import { simCommand } from "./commands/sim.ts";
import { nodeVersion } from "../node/version.ts";

/** This binary's version (src/node/version.ts): the release's, `+NAME` under the R3MES_TEST_UPGRADE test hook. */
export const version: string = nodeVersion();

const subcommands = [
  simCommand,
  demoCommand,
  nodeCommand,
  explorerCommand,
  reportCommand,
  testnetCommand,
  keysCommand,
  sendCommand,
  govCommand,
  minerCommand,
  validatorCommand,
  proposerCommand,
  kernelsCommand,
  fuzzCommand,
] as const;

export const r3mes = Command.make("r3mes").pipe(
  Command.withDescription(
    "R3MES: event-sourced simulator and testnet harness of a Proof-of-Useful-Work " +
      "protocol (LoRA training on a frozen BitNet b1.58 backbone, verified on a CometBFT chain)",
  ),
  Command.withSubcommands(subcommands),
);

export const cli = Command.run(r3mes, { version });
