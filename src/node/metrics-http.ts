/**
 * The metrics' HTTP side: the `--metrics ADDR` address and a tiny server of
 * GET /metrics. Apart from metrics.ts so the lean entry (main.ts) checks the
 * flag without loading prom-client; run.ts loads metrics.ts only when the
 * flag is given.
 */
import type * as Http from "node:http";
import { createRequire } from "node:module";

/**
 * node:http, loaded by require where a server starts. An ES import of a
 * built-in reads every one of its exports, and node:http's lazy ones load
 * undici and http2 with it: ~80 more internal modules, ~11 MB more resident
 * in the app process, which serves HTTP only with --metrics or --rest
 * (measured by bench:node's memory part).
 */
export const nodeHttp = (): typeof Http =>
  createRequire(import.meta.url)("node:http") as typeof Http;

/** What the server exposes (NodeMetrics). */
export interface Exposition {
  readonly contentType: string;
  text(): Promise<string>;
}

/** `PORT`, `HOST:PORT` or `[V6]:PORT`; a bare port listens on loopback. */
export const parseMetricsAddress = (
  addr: string,
): { readonly host: string; readonly port: number } | Error => {
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]*):)?([0-9]{1,5})$/.exec(
    addr.replace(/^tcp:\/\//, ""),
  );
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) return new Error(`metrics address "${addr}" is not PORT or HOST:PORT`);
  const host = (m[1] ?? "").replace(/^\[|\]$/g, "");
  return { host: host === "" ? "127.0.0.1" : host, port };
};

export interface MetricsServer {
  /** Where it listens, as `http://HOST:PORT/metrics`. */
  readonly url: string;
  readonly close: () => Promise<void>;
}

/** Serves GET /metrics (anything else: 404). */
export const serveMetrics = async (metrics: Exposition, addr: string): Promise<MetricsServer> => {
  const a = parseMetricsAddress(addr);
  if (a instanceof Error) throw a;
  const server = nodeHttp().createServer((req, res) => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/metrics") {
      res.writeHead(404).end("not found; try /metrics\n");
      return;
    }
    metrics.text().then(
      (body) => res.writeHead(200, { "content-type": metrics.contentType }).end(body),
      (e: unknown) => res.writeHead(500).end(String(e)),
    );
  });
  const l = await listenHttp(server, a);
  return { url: `${l.url}/metrics`, close: l.close };
};

/**
 * Starts `server` on a parsed address (parseMetricsAddress) and resolves once
 * it listens: its base URL (`http://HOST:PORT`, the bound port when 0 was
 * asked) and a close that drops open connections first. The metrics, the
 * REST gateway and the explorer listen through it.
 */
export const listenHttp = async (
  server: Http.Server,
  a: { readonly host: string; readonly port: number },
): Promise<{ readonly url: string; readonly close: () => Promise<void> }> => {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(a.port, a.host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  const host = a.host.includes(":") ? `[${a.host}]` : a.host;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
};
