/**
 * A miner daemon's pending reveals survive a restart (issue 13 follow-up):
 * each one is journaled (the MsgSubmitGradient with its salt, and the
 * gradient blob to publish with it) before its commitment is broadcast, one
 * file per window, written atomically; a restarted daemon loads them and
 * resends each one whose commitment is on chain once the reveal period is
 * open, so a restart inside the reveal period costs an honest miner no
 * unrevealed-commitment slash. A corrupt file is reported and set aside, and
 * the daemon goes on without it.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { GpuArch } from "../../../src/gen/remes/v1/types_pb.ts";
import { command, type CommandOf } from "../../../src/protocol/commands.ts";
import { gradientCommitment } from "../../../src/protocol/gradient-commits.ts";
import type { State, WindowState } from "../../../src/protocol/state.ts";
import {
  decodeRevealRecord,
  encodeRevealRecord,
  type PendingRevealRecord,
  RevealJournal,
} from "../../../src/actors/live/reveal-journal.ts";

const MINER = "remes1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq";
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "r3mes-rev-"));
  dirs.push(d);
  return d;
};

const reveal = (window: number, miner = MINER): CommandOf<"submitGradient"> => {
  const c = command("submitGradient", {
    miner,
    window,
    shard: 3,
    gradientCid: `bafkreicid${window}`,
    gradientHash: new Uint8Array(32).fill(window),
    daRoot: new Uint8Array(32).fill(7),
    sizeBytes: 4096n,
    claimedLossMicro: 1_234_567n,
    gpuArch: GpuArch.AMPERE,
    kernelVersion: "sim-1",
    salt: new Uint8Array(32).fill(0xab),
  });
  if (c.case !== "submitGradient") throw new Error("unreachable");
  return c.value;
};

const record = (window: number, withBlob = true): PendingRevealRecord => ({
  reveal: reveal(window),
  ...(withBlob
    ? {
        gradient: {
          window,
          gradientHash: new Uint8Array(32).fill(window),
          sizeBytes: 4096n,
          update: Int32Array.from([1, -2, 3, 2_000_000_000]),
        },
      }
    : {}),
});

const open = (dir: string) => {
  const logs: string[] = [];
  const j = RevealJournal.open(path.join(dir, `reveals-${MINER}`), MINER, (l) => logs.push(l));
  return { j, logs };
};

/** A chain state with just the windows the journal looks at. */
const stateWith = (...ws: Partial<WindowState>[]): Readonly<State> =>
  ({
    windows: new Map(
      ws.map((w) => [
        w.window!,
        {
          closed: false,
          commitments: new Map(),
          submittedBy: new Map(),
          ...w,
        } as WindowState,
      ]),
    ),
  }) as unknown as State;

describe("reveal journal", () => {
  it("round-trips a pending reveal (with and without its gradient blob) through a restart", () => {
    const dir = tmp();
    const a = open(dir);
    a.j.save(record(5));
    a.j.save(record(6, false));
    expect(fs.readdirSync(path.join(dir, `reveals-${MINER}`)).sort()).toEqual(["w5.rev", "w6.rev"]);
    const b = open(dir);
    expect(b.logs.filter((l) => /corrupt|unreadable/.test(l))).toEqual([]);
    expect(b.j.windows()).toEqual([5, 6]);
    const r5 = b.j.get(5)!;
    expect(r5.reveal).toEqual(reveal(5));
    expect(r5.gradient?.gradientHash).toEqual(new Uint8Array(32).fill(5));
    expect(r5.gradient?.sizeBytes).toBe(4096n);
    expect([...(r5.gradient?.update ?? [])]).toEqual([1, -2, 3, 2_000_000_000]);
    expect(b.j.get(6)!.gradient).toBeUndefined();
    expect(decodeRevealRecord(encodeRevealRecord(record(9)))).toEqual(
      decodeRevealRecord(encodeRevealRecord(record(9))),
    );
  });

  it("reports a corrupt file clearly, sets it aside and goes on with the others", () => {
    const dir = tmp();
    const a = open(dir);
    a.j.save(record(5));
    a.j.save(record(6));
    const f = path.join(dir, `reveals-${MINER}`, "w6.rev");
    const bytes = fs.readFileSync(f);
    bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 0xff; // one flipped bit-group in the payload
    fs.writeFileSync(f, bytes);
    fs.writeFileSync(path.join(dir, `reveals-${MINER}`, "w7.rev"), "not a reveal");
    const b = open(dir);
    expect(b.j.windows()).toEqual([5]);
    const errs = b.logs.filter((l) => l.includes("corrupt"));
    expect(errs).toHaveLength(2);
    expect(errs.join("\n")).toMatch(/w6\.rev.*checksum/);
    expect(errs.join("\n")).toMatch(/w7\.rev/);
    // Set aside, not retried on every start, and kept for a look.
    const names = fs.readdirSync(path.join(dir, `reveals-${MINER}`)).sort();
    expect(names).toEqual(["w5.rev", "w6.rev.corrupt", "w7.rev.corrupt"]);
    expect(decodeRevealRecord.bind(undefined, new Uint8Array(3))).toThrow(/too short|not a/);
  });

  it("refuses a record that belongs to another window or another miner", () => {
    const dir = tmp();
    const jdir = path.join(dir, `reveals-${MINER}`);
    fs.mkdirSync(jdir, { recursive: true });
    fs.writeFileSync(path.join(jdir, "w8.rev"), encodeRevealRecord(record(9)));
    fs.writeFileSync(
      path.join(jdir, "w10.rev"),
      encodeRevealRecord({ reveal: reveal(10, "remes1someoneelse") }),
    );
    const b = open(dir);
    expect(b.j.windows()).toEqual([]);
    expect(b.logs.join("\n")).toMatch(/w8\.rev.*window 9/);
    expect(b.logs.join("\n")).toMatch(/w10\.rev.*remes1someoneelse/);
  });

  it("writes atomically: a half-written temp file from a crash is ignored and removed, a rewrite replaces whole", () => {
    const dir = tmp();
    const jdir = path.join(dir, `reveals-${MINER}`);
    const a = open(dir);
    a.j.save(record(5));
    expect(fs.readdirSync(jdir).filter((n) => n.endsWith(".tmp"))).toEqual([]);
    // A crash between the temp write and the rename leaves a temp file, possibly cut short.
    const whole = encodeRevealRecord(record(11));
    fs.writeFileSync(path.join(jdir, "w11.rev.tmp"), whole.subarray(0, whole.length >> 1));
    const b = open(dir);
    expect(b.j.windows()).toEqual([5]);
    expect(fs.readdirSync(jdir)).toEqual(["w5.rev"]);
    // Saving a window again replaces its file as a whole.
    const again = { ...record(5), reveal: { ...reveal(5), claimedLossMicro: 7n } };
    b.j.save(again);
    expect(open(dir).j.get(5)!.reveal.claimedLossMicro).toBe(7n);
  });

  it("resends a loaded reveal once its commitment is on chain and the reveal period is open; deletes it when done", () => {
    const dir = tmp();
    open(dir).j.save(record(5));
    open(dir).j.save(record(6));
    open(dir).j.save(record(7));
    const { j } = open(dir);
    const committed = new Map([[MINER, new Uint8Array(32)]]);
    // Height 20: window 5 is in its commit phase (ends 20), window 6 in its reveal period, 7 committed to nothing.
    let state = stateWith(
      { window: 5, commitEndHeight: 20, closeHeight: 25, commitments: committed },
      { window: 6, commitEndHeight: 15, closeHeight: 20, commitments: committed },
      { window: 7, commitEndHeight: 10, closeHeight: 20 },
    );
    expect(j.due(state, 20).map((r) => Number(r.reveal.window))).toEqual([6]);
    expect(j.windows()).toEqual([5, 6]); // 7's commitment never landed: nothing to open
    // Not again the next block; window 5's reveal period opens at 21; 6 again two blocks after its last send.
    expect(j.due(state, 20)).toEqual([]);
    expect(j.due(state, 21).map((r) => Number(r.reveal.window))).toEqual([5]);
    state = stateWith(
      { window: 5, commitEndHeight: 20, closeHeight: 25, commitments: committed },
      { window: 6, commitEndHeight: 15, closeHeight: 23, commitments: committed },
    );
    expect(j.due(state, 22).map((r) => Number(r.reveal.window))).toEqual([6]);
    expect(j.due(state, 23).map((r) => Number(r.reveal.window))).toEqual([5]);
    // Window 6's reveal lands; window 5 closes (pruned or closed) without one.
    state = stateWith(
      { window: 5, commitEndHeight: 20, closeHeight: 25, closed: true },
      { window: 6, commitEndHeight: 15, closeHeight: 23, submittedBy: new Map([[MINER, 1]]) },
    );
    expect(j.due(state, 26)).toEqual([]);
    expect(j.windows()).toEqual([]);
    expect(fs.readdirSync(path.join(dir, `reveals-${MINER}`))).toEqual([]);
  });

  it("leaves a reveal saved by the running miner to the miner (no double send), but deletes it when done", () => {
    const dir = tmp();
    const { j } = open(dir);
    j.save(record(5));
    const committed = new Map([[MINER, new Uint8Array(32)]]);
    expect(
      j.due(
        stateWith({ window: 5, commitEndHeight: 20, closeHeight: 25, commitments: committed }),
        22,
      ),
    ).toEqual([]);
    expect(j.windows()).toEqual([5]);
    j.due(
      stateWith({
        window: 5,
        commitEndHeight: 20,
        closeHeight: 25,
        submittedBy: new Map([[MINER, 3]]),
      }),
      23,
    );
    expect(j.windows()).toEqual([]);
  });

  it("commits again, with the bytes the journaled reveal opens, when the commitment is still missing three blocks on and the commit phase is open", () => {
    const dir = tmp();
    const { j } = open(dir);
    j.save(record(5)); // saved by the running miner, which sends the commitment itself
    const missing = stateWith({ window: 5, commitEndHeight: 20, closeHeight: 25 });
    // First seen missing at 12: the miner's own copy gets three blocks.
    for (const h of [12, 13, 14]) expect(j.commitmentsDue(missing, h)).toEqual([]);
    const again = j.commitmentsDue(missing, 15);
    expect(again).toHaveLength(1);
    expect(again[0]).toMatchObject({ miner: MINER, window: 5n, shard: 3 });
    expect(again[0]!.commitment).toEqual(gradientCommitment(reveal(5)));
    // Not every block: two blocks between copies; none once the next block is past the commit phase.
    expect(j.commitmentsDue(missing, 16)).toEqual([]);
    expect(j.commitmentsDue(missing, 17)).toHaveLength(1);
    expect(j.commitmentsDue(missing, 19)).toHaveLength(1);
    expect(j.commitmentsDue(missing, 20)).toEqual([]);
    // Once on chain, nothing; the reveal journal then reveals it as before.
    const landed = stateWith({
      window: 5,
      commitEndHeight: 20,
      closeHeight: 25,
      commitments: new Map([[MINER, gradientCommitment(reveal(5))]]),
    });
    const k = open(tmp()).j;
    k.save(record(5));
    for (let h = 12; h <= 19; h++) expect(k.commitmentsDue(landed, h)).toEqual([]);
  });
});
