/** The CLI's error type and how an error reaches the user: one line saying what went wrong and what to do next, no stack trace for expected failures. */
import { CliError } from "effect/cli";

/**
 * Wraps a failure thrown by a subcommand's implementation so that the CLI
 * runner prints `<context>: <reason>` (no stack trace) and exits non-zero.
 */
export const userFailure =
  (context: string) =>
  (cause: unknown): CliError.UserError =>
    new CliError.UserError({
      cause,
      userMessage: `${context}: ${cause instanceof Error ? cause.message : String(cause)}`,
    });
