/**
 * The REST gateway's HTTP side (`--rest ADDR`, addresses as metrics-http.ts
 * takes them: a bare port is loopback). Bounded: bodies over
 * REST_MAX_BODY_BYTES are refused (413) before they are read whole, at most
 * REST_MAX_IN_FLIGHT requests are served at once (more: 503), a request
 * must arrive within REST_REQUEST_TIMEOUT_MS, and each RPC call under it
 * has its own timeout (rest-rpc.ts).
 */
import type * as http from "node:http";
import { listenHttp, nodeHttp, parseMetricsAddress } from "./metrics-http.ts";
import { restHandler } from "./rest.ts";
import type { Rpc } from "./rest-rpc.ts";
import { Grpc, RestError } from "./rest-status.ts";

/** A broadcast's body: a 64 KiB tx is ~88 KiB of base64; four times that is plenty. */
export const REST_MAX_BODY_BYTES = 384 * 1024;
export const REST_MAX_IN_FLIGHT = 64;
export const REST_REQUEST_TIMEOUT_MS = 30_000;

export interface RestServer {
  /** Where it listens, as `http://HOST:PORT`. */
  readonly url: string;
  readonly close: () => Promise<void>;
}

const send = (res: http.ServerResponse, status: number, body: unknown) => {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
};

const refuse = (res: http.ServerResponse, e: RestError) => {
  res.setHeader("connection", "close");
  send(res, e.status, e.body);
};

/** Reads the body, or undefined (having answered 413) when it is over the limit. */
const readBody = (req: http.IncomingMessage, res: http.ServerResponse) =>
  new Promise<Uint8Array | undefined>((resolve, reject) => {
    const tooLarge = new RestError(
      Grpc.ResourceExhausted,
      `request body over ${REST_MAX_BODY_BYTES} bytes`,
      413,
    );
    if (Number(req.headers["content-length"] ?? 0) > REST_MAX_BODY_BYTES) {
      refuse(res, tooLarge);
      req.resume();
      return resolve(undefined);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > REST_MAX_BODY_BYTES) {
        refuse(res, tooLarge);
        req.destroy();
        resolve(undefined);
      } else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });

/** Serves the gateway over `rpc` on `addr` (PORT or HOST:PORT). */
export const serveRest = async (rpc: Rpc, addr: string): Promise<RestServer> => {
  const a = parseMetricsAddress(addr);
  if (a instanceof Error) throw new Error(a.message.replace("metrics", "REST"));
  const handle = restHandler(rpc);
  let inFlight = 0;
  const server = nodeHttp().createServer(async (req, res) => {
    if (inFlight >= REST_MAX_IN_FLIGHT) {
      req.resume();
      return refuse(res, new RestError(Grpc.Unavailable, "too many requests in flight; retry"));
    }
    inFlight++;
    try {
      const target = req.url ?? "/";
      const q = target.indexOf("?");
      const body = req.method === "POST" ? await readBody(req, res) : undefined;
      if (req.method === "POST" && body === undefined) return;
      if (req.method !== "POST") req.resume();
      const r = await handle({
        method: req.method ?? "GET",
        path: q < 0 ? target : target.slice(0, q),
        query: new URLSearchParams(q < 0 ? "" : target.slice(q + 1)),
        ...(body ? { body } : {}),
      });
      if (!res.headersSent) send(res, r.status, r.body);
    } catch (e) {
      if (!res.headersSent)
        send(res, 500, {
          code: Grpc.Internal,
          message: e instanceof Error ? e.message : String(e),
          details: [],
        });
    } finally {
      inFlight--;
    }
  });
  server.requestTimeout = REST_REQUEST_TIMEOUT_MS;
  server.headersTimeout = 10_000;
  return listenHttp(server, a);
};
