/**
 * Protocol errors: what `decide` returns when it rejects a command. Codes are
 * stable (they become ABCI result codes in codespace "remes"); the message
 * says what was wrong and, where it helps, what to do instead.
 */
export const ErrorCode = {
  invalidMessage: 2,
  unauthorized: 3,
  insufficientFunds: 4,
  notFound: 5,
  alreadyExists: 6,
  wrongPhase: 7,
  wrongShard: 8,
  tooLarge: 9,
  stakeTooLow: 10,
  notSelected: 11,
  mismatch: 12,
  duplicate: 13,
  invalidParams: 14,
  /** An address field that is not a lower-case `remes1…` bech32 address of 20 bytes (address.ts). */
  invalidAddress: 15,
} as const;

export type ErrorName = keyof typeof ErrorCode;

export class ProtocolError {
  readonly _tag = "ProtocolError";
  readonly codespace = "remes";
  readonly code: number;
  constructor(
    readonly name: ErrorName,
    readonly message: string,
  ) {
    this.code = ErrorCode[name];
  }
  toString(): string {
    return `remes error ${this.code} (${this.name}): ${this.message}`;
  }
}

export const fail = (name: ErrorName, message: string): ProtocolError =>
  new ProtocolError(name, message);

export const isProtocolError = (u: unknown): u is ProtocolError => u instanceof ProtocolError;
