/**
 * What the REST gateway calls: CometBFT's JSON-RPC over HTTP (httpRpc, with
 * a timeout per call), or — for tests and tools — the app's own ABCI
 * handler for the calls it can answer alone (appRpc: abci_query).
 */
import type { Request, Response } from "cosmjs-types/tendermint/abci/types";
import type { AbciHandler } from "./server.ts";

/** A CometBFT JSON-RPC call: the result, or a thrown RpcError. */
export type Rpc = (method: string, params: Record<string, unknown>) => Promise<unknown>;

/** A JSON-RPC error (`error`: the server answered with one) or a transport failure. */
export class RpcError extends Error {
  constructor(
    readonly kind: "error" | "unavailable" | "timeout",
    message: string,
    /** JSON-RPC error data: CometBFT's reason ("tx (…) not found", …). */
    readonly data = "",
  ) {
    super(message);
  }
}

/** Time one RPC call may take before the gateway answers 504. */
export const RPC_TIMEOUT_MS = 10_000;

/** CometBFT's `rpc.laddr` (tcp://HOST:PORT) as the URL to call; 0.0.0.0 / :: become loopback. */
export const rpcUrlOf = (laddr: string): string | Error => {
  const m = /^(?:tcp|http):\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})\/?$/.exec(laddr);
  if (!m) return new Error(`RPC address "${laddr}" is not tcp://HOST:PORT or http://HOST:PORT`);
  const host = m[1] === "0.0.0.0" ? "127.0.0.1" : m[1] === "[::]" ? "[::1]" : m[1]!;
  return `http://${host}:${m[2]}`;
};

/** CometBFT JSON-RPC at `url` (http://HOST:PORT). */
export const httpRpc = (url: string, timeoutMs = RPC_TIMEOUT_MS): Rpc => {
  let id = 0;
  return async (method, params) => {
    let text: string;
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await res.text();
    } catch (e) {
      const name = e instanceof Error ? e.name : "";
      if (name === "TimeoutError" || name === "AbortError")
        throw new RpcError("timeout", `${method} took over ${timeoutMs} ms at ${url}`);
      throw new RpcError(
        "unavailable",
        `${url}: ${e instanceof Error ? ((e.cause as Error | undefined)?.message ?? e.message) : String(e)}`,
      );
    }
    let j: { result?: unknown; error?: { message?: unknown; data?: unknown } };
    try {
      j = JSON.parse(text) as typeof j;
    } catch {
      throw new RpcError("unavailable", `${url} did not answer JSON-RPC: ${text.slice(0, 200)}`);
    }
    if (j.error)
      throw new RpcError(
        "error",
        String(j.error.message ?? "RPC error"),
        typeof j.error.data === "string" ? j.error.data : "",
      );
    return j.result;
  };
};

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64");

/** The app's handler as an Rpc of abci_query (what an in-process gateway can answer without CometBFT); everything else needs CometBFT. */
export const appRpc =
  (handle: AbciHandler): Rpc =>
  async (method, params) => {
    if (method === "abci_query") {
      const res = (await handle(
        {
          query: {
            path: String(params.path ?? ""),
            data: Buffer.from(String(params.data ?? ""), "hex"),
            height: 0n,
            prove: false,
          },
        } as Request,
        "query",
      )) as Response;
      const q = res.query!;
      return {
        response: {
          code: q.code,
          log: q.log,
          info: q.info,
          index: q.index.toString(),
          key: b64(q.key),
          value: b64(q.value),
          height: q.height.toString(),
          codespace: q.codespace,
        },
      };
    }
    throw new RpcError("error", "Method not found", `${method} needs CometBFT`);
  };
