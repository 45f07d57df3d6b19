/**
 * The broadcaster's duty journal keeps a daemon from doing a duty twice
 * across restarts, but a gradient's commitment and reveal are duties done
 * only when on chain: one journaled and then lost (a restart before it
 * landed, a dropped tx) must go out again, or the window pays nothing, or
 * the commitment expires unrevealed and is slashed.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { Broadcaster } from "../../../src/actors/live/broadcaster.ts";
import type { ChainFollower } from "../../../src/actors/live/follower.ts";
import { command } from "../../../src/protocol/commands.ts";
import type { State } from "../../../src/protocol/state.ts";

const MINER = "remes1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq";
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const broadcaster = (journal: string, window: Record<string, unknown>) => {
  const follower = {
    state: { windows: new Map([[5, { window: 5, ...window }]]) } as unknown as State,
  } as unknown as ChainFollower;
  // beforeSend never settles: the test looks at what was queued, nothing is signed or sent.
  return new Broadcaster(
    follower,
    {} as DirectSecp256k1HdWallet,
    MINER,
    journal,
    () => new Promise(() => {}),
    () => {},
  );
};

const revealCmd = command("submitGradient", { miner: MINER, window: 5, shard: 3 });

describe("broadcaster duty journal and reveals", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "r3mes-bc-"));
  dirs.push(dir);
  const journal = path.join(dir, "duties.log");
  fs.writeFileSync(journal, "gradient/5/3\n");

  it("sends a journaled reveal again while its commitment is on chain and unrevealed", () => {
    const b = broadcaster(journal, {
      commitments: new Map([[MINER, new Uint8Array(32)]]),
      submittedBy: new Map(),
    });
    b.submit(revealCmd);
    expect(b.stats.skipped).toBe(0);
  });

  it("skips a reveal the chain already holds", () => {
    const b = broadcaster(journal, { commitments: new Map(), submittedBy: new Map([[MINER, 1]]) });
    b.submit(revealCmd);
    expect(b.stats.skipped).toBe(1);
  });

  it("sends a journaled commitment again while the chain lacks it (the reveal journal resends the same bytes), and skips it once on chain", () => {
    fs.appendFileSync(journal, "commit-gradient/5/3\n");
    const commit = command("commitGradient", { miner: MINER, window: 5, shard: 3 });
    const lost = broadcaster(journal, { commitments: new Map(), submittedBy: new Map() });
    lost.submit(commit);
    expect(lost.stats.skipped).toBe(0);
    const landed = broadcaster(journal, {
      commitments: new Map([[MINER, new Uint8Array(32)]]),
      submittedBy: new Map(),
    });
    landed.submit(commit);
    expect(landed.stats.skipped).toBe(1);
  });

  it("still skips any other journaled duty", () => {
    fs.appendFileSync(journal, "commit-aggregation/5\n");
    const b = broadcaster(journal, { commitments: new Map(), submittedBy: new Map() });
    b.submit(command("commitAggregation", { proposer: MINER, window: 5 }));
    expect(b.stats.skipped).toBe(1);
  });
});
