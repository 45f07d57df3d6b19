/**
 * Errors of the REST gateway as the Cosmos SDK's grpc-gateway writes them:
 * a gRPC status in a body `{"code": N, "message": "…", "details": []}`
 * with the HTTP status grpc-gateway maps that code to.
 */
export const Grpc = {
  OK: 0,
  Canceled: 1,
  Unknown: 2,
  InvalidArgument: 3,
  DeadlineExceeded: 4,
  NotFound: 5,
  AlreadyExists: 6,
  PermissionDenied: 7,
  ResourceExhausted: 8,
  FailedPrecondition: 9,
  Aborted: 10,
  OutOfRange: 11,
  Unimplemented: 12,
  Internal: 13,
  Unavailable: 14,
  DataLoss: 15,
  Unauthenticated: 16,
} as const;

/** grpc-gateway's HTTPStatusFromCode. */
const HTTP_OF: Record<number, number> = {
  0: 200,
  1: 408,
  2: 500,
  3: 400,
  4: 504,
  5: 404,
  6: 409,
  7: 403,
  8: 429,
  9: 400,
  10: 409,
  11: 400,
  12: 501,
  13: 500,
  14: 503,
  15: 500,
  16: 401,
};

export class RestError {
  readonly _tag = "RestError";
  constructor(
    readonly code: number,
    readonly message: string,
    /** The HTTP status; by default the one grpc-gateway gives the code. */
    readonly status: number = HTTP_OF[code] ?? 500,
  ) {}
  get body() {
    return { code: this.code, message: this.message, details: [] as never[] };
  }
}

export const invalidArgument = (message: string) => new RestError(Grpc.InvalidArgument, message);
export const notFound = (message: string) => new RestError(Grpc.NotFound, message);

/**
 * A failed ABCI query (query.ts) as a gRPC status: its log is the SDK's
 * "rpc error: code = NotFound desc = …" text when the app wrote one, else
 * the SDK error code decides (22 key not found, 9 unknown address: NotFound;
 * 6 unknown request: Unimplemented; the rest: InvalidArgument).
 */
export const statusOfQueryFailure = (code: number, log: string): RestError => {
  const m = /^rpc error: code = ([A-Za-z]+) desc = ([\s\S]*)$/.exec(log);
  const named = m ? Grpc[m[1] as keyof typeof Grpc] : undefined;
  // query.ts ends a NotFound with the SDK store's ": key not found" (cosmjs reads it); the SDK's REST message ends before it.
  if (m && named !== undefined) return new RestError(named, m[2]!.replace(/: key not found$/, ""));
  if (/not been initialised/.test(log)) return new RestError(Grpc.Unavailable, log);
  const grpc =
    code === 22 || code === 9
      ? Grpc.NotFound
      : code === 6
        ? Grpc.Unimplemented
        : Grpc.InvalidArgument;
  return new RestError(grpc, log);
};
