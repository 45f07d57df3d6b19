/**
 * The explorer's HTTP side (`r3mes explorer`, `r3mes node start --explorer`):
 * a small read-only server in front of a node, served as rest-http.ts serves
 * the REST gateway (node:http, addresses as metrics-http.ts takes them: a
 * bare port is loopback).
 *
 * - `/`, `/app.js`, `/app.css`: the browser app (src/explorer/web, bundled
 *   by esbuild when the server starts; assets.ts).
 * - `/api/*`: the node's REST gateway, GET only — proxied to `--rest URL`
 *   when given, otherwise the gateway's own handler (rest.ts) in process
 *   over the CometBFT RPC. Broadcast and simulate (POST) are refused.
 * - `/rpc/<method>?…`: CometBFT RPC by URI (GET), for the read methods of
 *   RPC_METHODS only; broadcast_*, unsafe_*, check_tx … are refused (403).
 * - `/events`: live updates as server-sent events. The server holds one
 *   websocket to CometBFT (subscribed to NewBlock and Tx) and relays each
 *   event, summarised, to every page. A page never talks to CometBFT's
 *   websocket itself: piping it would let a page call any RPC method on it,
 *   broadcast_tx_* included.
 *
 * Every answer carries a strict Content-Security-Policy (no inline script
 * or style, nothing from elsewhere) and nosniff / no-referrer / DENY framing.
 */
import { createHash } from "node:crypto";
import * as http from "node:http";
import { listenHttp, parseMetricsAddress } from "../node/metrics-http.ts";
import { restHandler } from "../node/rest.ts";
import { httpRpc, type Rpc } from "../node/rest-rpc.ts";

/**
 * CometBFT RPC methods a page may call through `/rpc/…`: reads only. Not
 * net_info either: a public explorer would give away the node's peers
 * (a validator's sentries) for nothing the pages need.
 */
export const RPC_METHODS: ReadonlySet<string> = new Set([
  "abci_info",
  "abci_query",
  "block",
  "block_by_hash",
  "block_results",
  "blockchain",
  "commit",
  "consensus_params",
  "genesis_chunked",
  "header",
  "header_by_hash",
  "health",
  "num_unconfirmed_txs",
  "status",
  "tx",
  "tx_search",
  "block_search",
  "validators",
]);

export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const SECURITY_HEADERS = {
  "content-security-policy": CSP,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
} as const;

/** Most pages listening to `/events` at once; more get 503. */
export const MAX_EVENT_CLIENTS = 64;
/** Live-feed bytes a page may leave unread before it is dropped. */
export const MAX_EVENT_BACKLOG_BYTES = 4 * 1024 * 1024;
/** Most `/api` and `/rpc` requests served at once; more get 503. */
export const MAX_IN_FLIGHT = 64;
/** Time an upstream call may take. */
export const UPSTREAM_TIMEOUT_MS = 15_000;

/** The browser app's files: path → body and content type. */
export type Assets = ReadonlyMap<string, { readonly body: Uint8Array; readonly type: string }>;

export interface ExplorerConfig {
  /** CometBFT RPC, http://HOST:PORT. */
  readonly rpc: string;
  /** The node's REST gateway, http://HOST:PORT; without it the gateway's handler runs here. */
  readonly rest?: string;
  readonly assets: Assets;
  /** For tests: the RPC the in-process gateway calls (httpRpc(rpc) by default). */
  readonly gatewayRpc?: Rpc;
  /** For tests: how `/rpc` and `/api` reach upstream (fetch by default). */
  readonly fetch?: typeof fetch;
}

export interface ExplorerResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Uint8Array | string;
}

const json = (status: number, body: unknown): ExplorerResponse => ({
  status,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

const refuse = (status: number, message: string) => json(status, { error: message });

/**
 * Everything but `/events`: a request (method, URL path and query) → the
 * answer, without the security headers (serveExplorer adds them to all).
 */
export const explorerHandler = (c: ExplorerConfig) => {
  const gateway = c.rest === undefined ? restHandler(c.gatewayRpc ?? httpRpc(c.rpc)) : undefined;
  const get = c.fetch ?? fetch;
  const upstream = async (url: string): Promise<ExplorerResponse> => {
    try {
      const r = await get(url, { signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS) });
      return {
        status: r.status,
        headers: { "content-type": r.headers.get("content-type") ?? "application/json" },
        body: new Uint8Array(await r.arrayBuffer()),
      };
    } catch (e) {
      return refuse(502, `upstream ${new URL(url).origin} unreachable: ${String(e)}`);
    }
  };
  return async (method: string, target: string): Promise<ExplorerResponse> => {
    const q = target.indexOf("?");
    const path = q < 0 ? target : target.slice(0, q);
    const query = q < 0 ? "" : target.slice(q + 1);
    if (method !== "GET" && method !== "HEAD")
      return refuse(405, "the explorer is read-only: GET only");
    if (path === "/" || path === "/index.html") {
      const a = c.assets.get("/index.html");
      if (a) return { status: 200, headers: { "content-type": a.type }, body: a.body };
    }
    const asset = c.assets.get(path);
    if (asset) {
      return {
        status: 200,
        headers: { "content-type": asset.type, "cache-control": "no-cache" },
        body: asset.body,
      };
    }
    if (path.startsWith("/rpc/")) {
      const name = path.slice("/rpc/".length);
      if (!RPC_METHODS.has(name))
        return refuse(
          403,
          `RPC method "${name.slice(0, 60)}" is not served here (read methods only: ${[...RPC_METHODS].sort().join(", ")})`,
        );
      return upstream(`${c.rpc}/${name}${query ? `?${query}` : ""}`);
    }
    if (path.startsWith("/api/")) {
      const rest = path.slice("/api".length);
      if (c.rest !== undefined) return upstream(`${c.rest}${rest}${query ? `?${query}` : ""}`);
      const r = await gateway!({ method: "GET", path: rest, query: new URLSearchParams(query) });
      return json(r.status, r.body);
    }
    return refuse(404, "not found");
  };
};

/** What one NewBlock event becomes for the pages: its height, time, tx hashes and events. */
export interface BlockSummary {
  readonly height: number;
  readonly time: string;
  readonly hash: string;
  readonly proposer: string;
  /** Upper-case hex sha256 of each tx. */
  readonly txs: readonly string[];
  readonly txResults: readonly {
    readonly code: number;
    readonly log: string;
    readonly events: unknown[];
  }[];
  readonly events: unknown[];
}

const obj = (v: unknown): Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** CometBFT's NewBlock event data (`result.data.value`) → a BlockSummary. */
export const blockSummary = (value: unknown): BlockSummary => {
  const v = obj(value);
  const block = obj(v.block);
  const header = obj(block.header);
  const fin = obj(v.result_finalize_block);
  return {
    height: Number(header.height ?? 0),
    time: String(header.time ?? ""),
    hash: String(obj(v.block_id).hash ?? ""),
    proposer: String(header.proposer_address ?? ""),
    txs: arr(obj(block.data).txs).map((t) =>
      createHash("sha256")
        .update(Buffer.from(String(t), "base64"))
        .digest("hex")
        .toUpperCase(),
    ),
    txResults: arr(fin.tx_results).map((r) => ({
      code: Number(obj(r).code ?? 0),
      // Short: "beacon" marks the proposer's beacon tx (src/node/beacon.ts); a failure's reason is cut.
      log: String(obj(r).log ?? "").slice(0, 200),
      events: arr(obj(r).events),
    })),
    events: arr(fin.events),
  };
};

/**
 * One websocket to CometBFT, subscribed to NewBlock and Tx, reconnecting
 * with a backoff; each event is handed to `emit` as an SSE event name and
 * JSON data.
 */
const relay = (rpc: string, emit: (event: string, data: string) => void) => {
  let ws: WebSocket | undefined;
  let stopped = false;
  let backoff = 500;
  let timer: NodeJS.Timeout | undefined;
  const connect = () => {
    if (stopped) return;
    const url = `${rpc.replace(/^http/, "ws")}/websocket`;
    let s: WebSocket;
    try {
      s = new WebSocket(url);
    } catch {
      timer = setTimeout(connect, backoff);
      return;
    }
    ws = s;
    s.onopen = () => {
      backoff = 500;
      s.send(
        JSON.stringify({
          jsonrpc: "2.0",
          id: "block",
          method: "subscribe",
          params: { query: "tm.event='NewBlock'" },
        }),
      );
      s.send(
        JSON.stringify({
          jsonrpc: "2.0",
          id: "tx",
          method: "subscribe",
          params: { query: "tm.event='Tx'" },
        }),
      );
      emit("status", JSON.stringify({ connected: true }));
    };
    s.onmessage = (m) => {
      let d: Record<string, unknown>;
      try {
        d = obj(JSON.parse(String(m.data)));
      } catch {
        return;
      }
      const data = obj(obj(d.result).data);
      if (data.type === "tendermint/event/NewBlock")
        emit("block", JSON.stringify(blockSummary(data.value)));
      else if (data.type === "tendermint/event/Tx") {
        const t = obj(obj(data.value).TxResult);
        // The proposer's beacon tx (src/node/beacon.ts) is no Cosmos tx: not a "new tx" for the pages.
        if (obj(t.result).log === "beacon") return;
        const events = obj(obj(d.result).events);
        emit(
          "tx",
          JSON.stringify({
            height: Number(t.height ?? 0),
            index: Number(t.index ?? 0),
            hash: String(arr(events["tx.hash"])[0] ?? ""),
            actions: arr(events["message.action"]).map(String),
            code: Number(obj(t.result).code ?? 0),
          }),
        );
      }
    };
    s.onclose = () => {
      if (ws === s) ws = undefined;
      if (stopped) return;
      emit("status", JSON.stringify({ connected: false }));
      timer = setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 10_000);
    };
    s.onerror = () => {};
  };
  connect();
  return () => {
    stopped = true;
    clearTimeout(timer);
    ws?.close();
  };
};

export interface ExplorerServer {
  /** Where it listens, as `http://HOST:PORT`. */
  readonly url: string;
  readonly close: () => Promise<void>;
}

/** Serves the explorer on `listen` (PORT or HOST:PORT; a bare port is loopback). */
export const serveExplorer = async (
  c: ExplorerConfig & { readonly listen: string },
): Promise<ExplorerServer> => {
  const a = parseMetricsAddress(c.listen);
  if (a instanceof Error) throw new Error(a.message.replace("metrics", "explorer"));
  const handle = explorerHandler(c);
  const clients = new Set<http.ServerResponse>();
  const stopRelay = relay(c.rpc, (event, data) => {
    for (const res of clients) {
      // A page that stopped reading is dropped, not buffered for without bound (EventSource reconnects).
      if (res.writableLength > MAX_EVENT_BACKLOG_BYTES) {
        clients.delete(res);
        res.destroy();
      } else res.write(`event: ${event}\ndata: ${data}\n\n`);
    }
  });
  let inFlight = 0;
  const server = http.createServer(async (req, res) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    const target = req.url ?? "/";
    req.resume();
    if (req.method === "GET" && target.split("?")[0] === "/events") {
      if (clients.size >= MAX_EVENT_CLIENTS) {
        res.writeHead(503, { "content-type": "text/plain" }).end("too many listeners\n");
        return;
      }
      res.writeHead(200, {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
        connection: "keep-alive",
      });
      res.write("retry: 2000\n\n");
      clients.add(res);
      req.socket.setKeepAlive(true);
      res.on("close", () => clients.delete(res));
      return;
    }
    if (inFlight >= MAX_IN_FLIGHT) {
      res.writeHead(503, { "content-type": "application/json" }).end('{"error":"busy; retry"}');
      return;
    }
    inFlight++;
    try {
      const r = await handle(req.method ?? "GET", target);
      res.writeHead(r.status, r.headers);
      res.end(req.method === "HEAD" ? undefined : r.body);
    } catch (e) {
      if (!res.headersSent)
        res
          .writeHead(500, { "content-type": "application/json" })
          .end(JSON.stringify({ error: e instanceof Error ? e.message : String(e) }));
    } finally {
      inFlight--;
    }
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  // Event streams stay open: no keep-alive timeout cuts them (requestTimeout covers only the request).
  const l = await listenHttp(server, a);
  return {
    url: l.url,
    close: () => {
      stopRelay();
      for (const res of clients) res.end();
      return l.close();
    },
  };
};
