/**
 * The explorer's server without a chain: routes (the app's files, /api to
 * the REST gateway or a --rest URL, /rpc to CometBFT's read methods only),
 * refusals of writes (broadcast_*, unsafe_*, any POST), the CSP and
 * security headers on every answer over real HTTP, and the live feed's
 * block summary (tx hashes, beacon txs marked).
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  type Assets,
  blockSummary,
  CSP,
  explorerHandler,
  RPC_METHODS,
  serveExplorer,
} from "../../src/explorer/server.ts";
import type { Rpc } from "../../src/node/rest-rpc.ts";

const assets: Assets = new Map([
  [
    "/index.html",
    { body: new TextEncoder().encode("<!doctype html><title>x</title>"), type: "text/html" },
  ],
  ["/app.js", { body: new TextEncoder().encode("export {}"), type: "text/javascript" }],
]);

/** A fetch that records what it was asked for and answers `{url}`. */
const recorder = () => {
  const urls: string[] = [];
  const f = (async (url: string | URL | Request) => {
    urls.push(String(url));
    return new Response(JSON.stringify({ url: String(url) }), {
      headers: { "content-type": "application/json" },
    });
  }) as typeof fetch;
  return { urls, fetch: f };
};

const gatewayRpc: Rpc = async (method) => {
  if (method === "status") return { sync_info: { catching_up: false } };
  throw new Error(`unexpected ${method}`);
};

const text = (b: Uint8Array | string) => (typeof b === "string" ? b : new TextDecoder().decode(b));

describe("the explorer's server", () => {
  it("serves the app, /api through the gateway in process, /rpc read methods by URI", async () => {
    const r = recorder();
    const handle = explorerHandler({
      rpc: "http://127.0.0.1:26657",
      assets,
      gatewayRpc,
      fetch: r.fetch,
    });
    const index = await handle("GET", "/");
    expect(index.status).toBe(200);
    expect(text(index.body)).toContain("<title>x</title>");
    expect((await handle("GET", "/app.js")).headers["content-type"]).toBe("text/javascript");
    const syncing = await handle("GET", "/api/cosmos/base/tendermint/v1beta1/syncing");
    expect(syncing.status).toBe(200);
    expect(JSON.parse(text(syncing.body))).toEqual({ syncing: false });
    // The gateway's own errors pass through with their status.
    expect((await handle("GET", "/api/nothing/here")).status).toBe(501);
    const block = await handle("GET", "/rpc/block_results?height=5");
    expect(block.status).toBe(200);
    expect(r.urls).toEqual(["http://127.0.0.1:26657/block_results?height=5"]);
    expect((await handle("GET", "/nowhere")).status).toBe(404);
  });

  it("proxies /api to --rest when given", async () => {
    const r = recorder();
    const handle = explorerHandler({
      rpc: "http://127.0.0.1:26657",
      rest: "http://127.0.0.1:1317",
      assets,
      fetch: r.fetch,
    });
    expect((await handle("GET", "/api/remes/remes/v1/params?x=1")).status).toBe(200);
    expect(r.urls).toEqual(["http://127.0.0.1:1317/remes/remes/v1/params?x=1"]);
  });

  it("refuses writes: broadcast and unsafe RPC methods, anything but GET", async () => {
    const r = recorder();
    const handle = explorerHandler({
      rpc: "http://127.0.0.1:26657",
      assets,
      gatewayRpc,
      fetch: r.fetch,
    });
    for (const m of [
      "broadcast_tx_sync",
      "broadcast_tx_async",
      "broadcast_tx_commit",
      "broadcast_evidence",
      "check_tx",
      "unsafe_flush_mempool",
      "dial_peers",
      "net_info",
      "subscribe",
      "status/../broadcast_tx_sync",
      "",
    ])
      expect((await handle("GET", `/rpc/${m}?tx="AA=="`)).status, m).toBe(403);
    expect((await handle("POST", "/api/cosmos/tx/v1beta1/txs")).status).toBe(405);
    expect((await handle("POST", "/rpc/status")).status).toBe(405);
    expect(r.urls).toEqual([]);
    for (const m of RPC_METHODS)
      expect(m).not.toMatch(/broadcast|unsafe|check_tx|dial|subscribe|net_info/);
  });

  it("sends the CSP and security headers with every answer over HTTP, and an event stream at /events", async () => {
    const s = await serveExplorer({ rpc: "http://127.0.0.1:9", assets, gatewayRpc, listen: "0" });
    try {
      for (const p of ["/", "/app.js", "/nowhere", "/rpc/broadcast_tx_sync"]) {
        const res = await fetch(s.url + p);
        expect(res.headers.get("content-security-policy"), p).toBe(CSP);
        expect(res.headers.get("x-content-type-options")).toBe("nosniff");
        expect(res.headers.get("x-frame-options")).toBe("DENY");
        await res.arrayBuffer();
      }
      expect(CSP).toContain("script-src 'self'");
      expect(CSP).not.toContain("unsafe-inline");
      const ac = new AbortController();
      const ev = await fetch(`${s.url}/events`, { signal: ac.signal });
      expect(ev.headers.get("content-type")).toBe("text/event-stream");
      ac.abort();
    } finally {
      await s.close();
    }
  });

  it("summarises a NewBlock for the pages: tx hashes, results, events", () => {
    const tx = Buffer.from("a tx");
    const s = blockSummary({
      block: {
        header: { height: "7", time: "2026-01-01T00:00:00Z", proposer_address: "AB" },
        data: { txs: [tx.toString("base64")] },
      },
      block_id: { hash: "CD" },
      result_finalize_block: {
        tx_results: [{ code: 0, log: "beacon", events: [] }],
        events: [{ type: "remes.windowOpened", attributes: [{ key: "window", value: "1" }] }],
      },
    });
    expect(s).toEqual({
      height: 7,
      time: "2026-01-01T00:00:00Z",
      hash: "CD",
      proposer: "AB",
      txs: [createHash("sha256").update(tx).digest("hex").toUpperCase()],
      txResults: [{ code: 0, log: "beacon", events: [] }],
      events: [{ type: "remes.windowOpened", attributes: [{ key: "window", value: "1" }] }],
    });
    expect(blockSummary(null).txs).toEqual([]);
  });
});
