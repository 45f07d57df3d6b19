/**
 * Metrics on a real `r3mes node start --metrics ADDR` (the app as its own
 * process, CometBFT with instrumentation.prometheus on): both endpoints are
 * scraped over HTTP while the chain makes blocks, and the app's counters say
 * what the chain did (height, blocks, a CheckTx refused with its code name).
 */
import * as fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, LocalChain, sleep } from "./harness.ts";

const scrape = async (url: string): Promise<Map<string, number>> => {
  const m = new Map<string, number>();
  for (const line of (await (await fetch(url, { signal: AbortSignal.timeout(3000) })).text()).split(
    "\n",
  )) {
    if (line === "" || line.startsWith("#")) continue;
    const i = line.lastIndexOf(" ");
    m.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return m;
};
const value = (m: Map<string, number>, name: string, has = ""): number | undefined => {
  for (const [k, v] of m) if (k.split("{")[0] === name && k.includes(has)) return v;
  return undefined;
};

describe("node metrics on a real chain", () => {
  let chain: LocalChain;
  let appUrl: string;
  let cometUrl: string;

  beforeAll(async () => {
    const appPort = await freePort();
    const cometPort = await freePort();
    chain = await LocalChain.create({
      config: {
        "instrumentation.prometheus": "true",
        "instrumentation.prometheus_listen_addr": JSON.stringify(`127.0.0.1:${cometPort}`),
      },
    });
    appUrl = `http://127.0.0.1:${appPort}/metrics`;
    cometUrl = `http://127.0.0.1:${cometPort}/metrics`;
    chain.start(["--metrics", String(appPort)]);
    await chain.waitForHeight(2);
  }, 120_000);

  afterAll(async () => {
    await chain?.stop();
    chain?.remove();
  });

  it("serves the app's r3mes_* and CometBFT's cometbft_* metrics, and they follow the chain", async () => {
    const refused = await chain.broadcastSync(new Uint8Array([1, 2, 3]));
    expect(refused.code).toBe(2);
    const h = await chain.waitForHeight(4);
    await sleep(200);
    const app = await scrape(appUrl);
    const comet = await scrape(cometUrl);
    expect(value(app, "r3mes_height")).toBeGreaterThanOrEqual(h);
    expect(value(app, "r3mes_blocks_committed_total")).toBeGreaterThanOrEqual(h - 1);
    expect(value(app, "r3mes_txs_total", 'name="txDecode"')).toBe(1);
    // One FinalizeBlock per committed block, plus the one in flight when the scrape lands between a block's
    // FinalizeBlock and its Commit.
    const finalized = value(app, "r3mes_finalize_block_seconds_count")!;
    const committed = value(app, "r3mes_blocks_committed_total")!;
    expect(
      finalized - committed,
      `${finalized} finalized, ${committed} committed`,
    ).toBeGreaterThanOrEqual(0);
    expect(finalized - committed).toBeLessThanOrEqual(1);
    expect(value(app, "r3mes_process_resident_memory_bytes")).toBeGreaterThan(10 * 2 ** 20);
    expect(value(comet, "cometbft_consensus_height")).toBeGreaterThanOrEqual(h);
    // Every CometBFT series the Grafana dashboard queries is really there (peers aside: one node has none).
    const seen = new Set([...comet.keys()].map((k) => k.split("{")[0]!));
    const dashboard = fs.readFileSync(
      new URL("../../testnet/grafana/r3mes.json", import.meta.url),
      "utf8",
    );
    const queried = new Set(
      [...dashboard.matchAll(/\bcometbft_[a-z0-9_]+/g)]
        .map((x) => x[0])
        .filter((n) => !n.startsWith("cometbft_p2p_")),
    );
    expect(queried.size).toBeGreaterThan(3);
    for (const n of queried) expect(seen.has(n), `${n} on CometBFT's endpoint`).toBe(true);
  }, 60_000);
});
