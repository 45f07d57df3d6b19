/**
 * The node's Prometheus metrics (src/node/metrics.ts): blocks run through the
 * test node with metrics on, `/metrics` scraped over real HTTP on loopback,
 * and every counter checked against what the blocks said (their tx results
 * and stored events) — and turning metrics on changes no app hash.
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { CheckTxType, type Request, type Response } from "cosmjs-types/tendermint/abci/types";
import { afterEach, describe, expect, it } from "vitest";
import { Offence, Role } from "../../src/gen/remes/v1/types_pb.ts";
import { decodeEventLog } from "../../src/node/event-log.ts";
import {
  type MetricsServer,
  parseMetricsAddress,
  serveMetrics,
} from "../../src/node/metrics-http.ts";
import { codeName, NodeMetrics } from "../../src/node/metrics.ts";
import { signTx, txKeyOf } from "../../src/node/sign.ts";
import { TestNode } from "../../src/node/testing/test-node.ts";
import { command } from "../../src/protocol/commands.ts";
import { defaultParams } from "../../src/protocol/params.ts";

const secret = (label: string) => sha256(new TextEncoder().encode(`metrics/${label}`));
const VAL = secret("validator");
const VAL_ACCOUNT = txKeyOf(secret("validator-account"));
const ALICE = txKeyOf(secret("alice"));
const genesis = {
  accounts: [{ address: ALICE.address, balance: 1_000_000n }],
  roles: [
    {
      address: VAL_ACCOUNT.address,
      role: Role.VALIDATOR,
      stake: defaultParams().minValidatorStake,
      pubkey: ed25519.getPublicKey(VAL),
    },
  ],
};
const send = (sequence: number, amount = 1n) =>
  signTx(
    ALICE,
    [command("send", { fromAddress: ALICE.address, toAddress: VAL_ACCOUNT.address, amount })],
    { chainId: "test", accountNumber: 0n, sequence: BigInt(sequence), fee: 0n },
  );

/** Exposition text → sample values by `name{labels}` (labels as written, sorted by prom-client's registration order). */
const parse = (text: string): Map<string, number> => {
  const m = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const i = line.lastIndexOf(" ");
    m.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return m;
};
/** Sum of a metric's samples whose labels include every `k="v"` given. */
const sum = (
  samples: Map<string, number>,
  name: string,
  labels: Record<string, string> = {},
): number => {
  let n = 0;
  for (const [k, v] of samples) {
    const base = k.split("{")[0];
    if (base !== name) continue;
    if (Object.entries(labels).every(([l, x]) => k.includes(`${l}="${x}"`))) n += v;
  }
  return n;
};

const servers: MetricsServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

const checkTx = (node: TestNode, tx: Uint8Array, type = CheckTxType.NEW) =>
  (node.app.handle({ checkTx: { tx, type } } as Request, "checkTx") as Response).checkTx!;

describe("node metrics", () => {
  it("given blocks with good and refused txs and a slash, when /metrics is scraped over HTTP, then the counters and gauges say what the blocks said", async () => {
    const metrics = new NodeMetrics();
    const node = TestNode.init({ genesis, metrics });
    const server = await serveMetrics(metrics, "0");
    servers.push(server);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:[0-9]+\/metrics$/);

    // CheckTx: one admitted, one undecodable, one out of sequence; then a recheck of the admitted one.
    const checks = [
      checkTx(node, send(0)),
      checkTx(node, new Uint8Array([1, 2, 3])),
      checkTx(node, send(7)),
    ];
    expect(checks.map((c) => c.code)).toEqual([0, 2, 32]);
    // Blocks: a double sign (slash), then two good sends and one out of sequence, then an empty block.
    const results = [
      node
        .block()
        .signatures([{ validator: VAL, signed: true }])
        .misbehavior([{ kind: "duplicate_vote", validator: VAL, height: 1 }])
        .execute(),
      node.block().txs(send(0), send(1), send(5)).execute(),
      node.block().execute(),
    ];
    checkTx(node, send(2), CheckTxType.RECHECK);
    const events = [1, 2, 3].flatMap((h) => decodeEventLog(node.app.store.blockAt(h)!.events));
    const slashes = events.filter((e) => e.case === "slashed");
    expect(slashes.length).toBeGreaterThan(0);
    const minted = events
      .flatMap((e) => (e.case === "rewardMinted" ? [e.value.amount] : []))
      .reduce((a, b) => a + b, 0n);

    const res = await fetch(server.url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const m = parse(await res.text());

    expect(sum(m, "r3mes_height")).toBe(node.height);
    expect(sum(m, "r3mes_blocks_committed_total")).toBe(3);
    // FinalizeBlock: each code's count is the blocks' own tally, under its name.
    const codes = results.flatMap((r) =>
      r.txResults.map((t) => ({ code: t.code, codespace: t.codespace })),
    );
    expect(codes.map((c) => c.code)).toEqual([0, 0, 32]);
    for (const c of new Set(codes.map((x) => x.code))) {
      const cs = codes.find((x) => x.code === c)!.codespace;
      expect(
        sum(m, "r3mes_txs_total", {
          method: "finalize_block",
          code: String(c),
          name: codeName(cs, c),
        }),
      ).toBe(codes.filter((x) => x.code === c).length);
    }
    expect(sum(m, "r3mes_txs_total", { method: "finalize_block" })).toBe(codes.length);
    expect(sum(m, "r3mes_txs_total", { method: "finalize_block", name: "wrongSequence" })).toBe(1);
    // CheckTx and RECHECK, counted apart, with their latency histograms.
    expect(sum(m, "r3mes_txs_total", { method: "check_tx", name: "ok" })).toBe(1);
    expect(sum(m, "r3mes_txs_total", { method: "check_tx", name: "txDecode" })).toBe(1);
    expect(sum(m, "r3mes_txs_total", { method: "check_tx", name: "wrongSequence" })).toBe(1);
    expect(sum(m, "r3mes_txs_total", { method: "recheck_tx" })).toBe(1);
    expect(sum(m, "r3mes_mempool_rechecks_total")).toBe(1);
    expect(sum(m, "r3mes_check_tx_seconds_count", { type: "new" })).toBe(3);
    expect(sum(m, "r3mes_check_tx_seconds_count", { type: "recheck" })).toBe(1);
    expect(sum(m, "r3mes_finalize_block_seconds_count")).toBe(3);
    // Slashes and rewards: the events' own counts and amounts.
    expect(sum(m, "r3mes_slashes_total", { role: "validator", offence: "double_sign" })).toBe(
      slashes.filter((e) => e.value.offence === Offence.DOUBLE_SIGN).length,
    );
    expect(sum(m, "r3mes_slashed_uremes_total")).toBe(
      Number(slashes.reduce((a, e) => a + e.value.amount, 0n)),
    );
    expect(sum(m, "r3mes_rewards_minted_uremes_total")).toBe(Number(minted));
    expect(sum(m, "r3mes_open_windows")).toBe(
      [...node.app.state!.windows.values()].filter((w) => !w.closed).length,
    );
    expect(sum(m, "r3mes_process_resident_memory_bytes")).toBeGreaterThan(0);

    expect((await fetch(server.url.replace("/metrics", "/other"))).status).toBe(404);
    node.close();
  });

  it("given the same blocks, when one app records metrics and another does not, then their app hashes agree at every height", () => {
    const on = TestNode.init({ genesis, metrics: new NodeMetrics({ defaultMetrics: false }) });
    const off = TestNode.init({ genesis });
    for (let h = 0; h < 3; h++) {
      const txs = [send(h), send(h + 3)];
      expect(
        bytesToHex(
          on
            .block()
            .txs(...txs)
            .execute().appHash,
        ),
      ).toBe(
        bytesToHex(
          off
            .block()
            .txs(...txs)
            .execute().appHash,
        ),
      );
    }
    on.close();
    off.close();
  });

  it("given a finalized block dropped before its Commit and finalized again, when it commits, then its txs and events count once", async () => {
    const metrics = new NodeMetrics({ defaultMetrics: false });
    const node = TestNode.init({ genesis, metrics });
    node.block().txs(send(0), send(9)).finalize();
    // CometBFT restarted: the same height again (the app drops the pending block), then Commit.
    node.block().txs(send(0), send(9)).execute();
    const m = parse(await metrics.text());
    expect(sum(m, "r3mes_finalize_block_seconds_count")).toBe(2);
    expect(sum(m, "r3mes_blocks_committed_total")).toBe(1);
    expect(sum(m, "r3mes_txs_total", { method: "finalize_block", name: "ok" })).toBe(1);
    expect(sum(m, "r3mes_txs_total", { method: "finalize_block", name: "wrongSequence" })).toBe(1);
    node.close();
  });

  it("parses metrics addresses: a bare port is loopback, HOST:PORT and [V6]:PORT as given, anything else refused", () => {
    expect(parseMetricsAddress("26660")).toEqual({ host: "127.0.0.1", port: 26660 });
    expect(parseMetricsAddress("0.0.0.0:9100")).toEqual({ host: "0.0.0.0", port: 9100 });
    expect(parseMetricsAddress("tcp://localhost:9100")).toEqual({ host: "localhost", port: 9100 });
    expect(parseMetricsAddress("[::1]:9100")).toEqual({ host: "::1", port: 9100 });
    for (const bad of ["", "x", "host:", ":99999", "a b:1"])
      expect(parseMetricsAddress(bad)).toBeInstanceOf(Error);
  });
});
