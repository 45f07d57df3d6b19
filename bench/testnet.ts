/**
 * Testnet benchmark: `up` of 4 validators + Kubo + 8 miners (2 lazy) + 2
 * proposers + 4 validator daemons as real processes, then a sustained
 * stretch: blocks/s and committed gradient submissions/s (counted from the
 * chain's gradientSubmitted events by a checked replay), txs/s overall.
 * Submissions/s is bounded by the protocol (one per miner per window), not
 * by the network: it is the rate the net sustains with every duty done.
 *
 *   npm run bench:testnet    (BENCH_SECONDS=60 BENCH_BLOCK_MS=500 BENCH_MINERS=8)
 *
 * Prints one JSON line.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ChainFollower } from "../src/actors/live/follower.ts";
import { down } from "../src/testnet/down.ts";
import { sleep } from "../src/testnet/procs.ts";
import { rpcUrl } from "../src/testnet/state.ts";
import { up } from "../src/testnet/up.ts";

const seconds = Number(process.env.BENCH_SECONDS ?? 60);
const blockMs = Number(process.env.BENCH_BLOCK_MS ?? 500);
const miners = Number(process.env.BENCH_MINERS ?? 8);
const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "r3mes-bench-tn-")), "net");
const r = await up({
  dir,
  validators: 4,
  miners,
  proposers: 2,
  lazy: 2,
  blockTimeMs: blockMs,
  trainMs: 1500,
  kubo: true,
  say: (l) => process.stderr.write(`${l}\n`),
});
try {
  const f = new ChainFollower(rpcUrl(r.state.nodes[0]!), () => {});
  let subs = 0;
  let txs = 0;
  let counting = false;
  let h0 = 0;
  let h1 = 0;
  void f
    .run(async (b) => {
      if (b.catchingUp) return;
      if (!counting) return;
      h1 = b.height;
      for (const e of b.events) if (e.case === "gradientSubmitted") subs++;
    })
    .catch(() => {});
  // Let the daemons start and a couple of windows pass before measuring.
  await sleep(20_000);
  const blockTxs = async (from: number, to: number) => {
    let n = 0;
    for (let h = from + 1; h <= to; h++) {
      const b = (await (await fetch(`${rpcUrl(r.state.nodes[0]!)}/block?height=${h}`)).json()) as {
        result: { block: { data: { txs: string[] | null } } };
      };
      n += b.result.block.data.txs?.length ?? 0;
    }
    return n;
  };
  h0 = f.height;
  counting = true;
  const t0 = Date.now();
  await sleep(seconds * 1000);
  counting = false;
  const elapsed = (Date.now() - t0) / 1000;
  txs = await blockTxs(h0, h1);
  f.stop();
  console.log(
    JSON.stringify({
      bench: "testnet",
      validators: 4,
      miners,
      lazy: 2,
      proposers: 2,
      block_time_ms: blockMs,
      window_blocks: 12,
      cores: os.cpus().length,
      up_to_first_block_s: +(r.firstBlockMs / 1000).toFixed(1),
      measured_s: +elapsed.toFixed(1),
      blocks: h1 - h0,
      blocks_per_s: +((h1 - h0) / elapsed).toFixed(2),
      submissions_per_s: +(subs / elapsed).toFixed(2),
      txs_per_s: +(txs / elapsed).toFixed(2),
    }),
  );
} finally {
  await down(dir, { keep: false });
  fs.rmSync(path.dirname(dir), { recursive: true, force: true });
}
