/**
 * A miner daemon's pending reveals, on disk (gradient commit–reveal,
 * src/protocol/gradient-commits.ts). A commitment left unrevealed at its
 * window's close is slashed slash_unrevealed_commit_bps (1%), so the reveal
 * it opens must outlive the process: before the commitment is broadcast, the
 * MsgSubmitGradient it binds (salt included) and the gradient blob to publish
 * with it are written to `<stateDir>/reveals-<address>/w<window>.rev` — temp
 * file, fsync, rename, fsync of the folder, so a crash leaves the old file or
 * the new one, never half of one.
 *
 * A restarted daemon loads them (`open`), and on every block from the tip on
 * `due` says which loaded reveals to send: those whose commitment is on chain
 * while the reveal period is open, again every two blocks until one lands.
 * Reveals saved by the running miner are left to the miner (it reveals and
 * resends itself; two senders would double the fees); `due` deletes every
 * file once its reveal is on chain, its commitment is gone, or its window
 * has closed. And while a window's commit phase is open, `commitmentsDue`
 * says which journaled reveals' commitments are still missing on chain three
 * blocks on (dropped from a mempool, lost with a node's restart), to send
 * again with the same bytes.
 *
 * File: "R3REVEAL", version 1, sha256 of the rest, then the message's
 * length (u32 big-endian), the message (protobuf), a flag byte and, when 1,
 * the gradient blob (src/actors/live/world.ts). A file that does not check
 * out is reported, renamed `*.corrupt` (kept for a look, not retried) and
 * skipped: the daemon goes on without it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { sha256 } from "@noble/hashes/sha2.js";
import { MsgCommitGradientSchema, MsgSubmitGradientSchema } from "../../gen/remes/v1/tx_pb.ts";
import type { CommandOf } from "../../protocol/commands.ts";
import { gradientCommitment } from "../../protocol/gradient-commits.ts";
import { bytesEqual, type State } from "../../protocol/state.ts";
import type { StoredGradient } from "../world.ts";
import { decodeGradientBlob, encodeGradientBlob } from "./world.ts";

export interface PendingRevealRecord {
  /** The reveal its commitment binds, salt included. */
  readonly reveal: CommandOf<"submitGradient">;
  /** The gradient to publish before the reveal goes out; absent when the miner keeps no bytes. */
  readonly gradient?: StoredGradient;
}

const MAGIC = new TextEncoder().encode("R3REVEAL");
const VERSION = 1;
const HEADER = MAGIC.length + 1 + 32;
/** Two blocks between resends of a reveal not yet on chain (as the miner's own watch). */
const RESEND_BLOCKS = 2;
/** Blocks a commitment first seen missing gets to land before the journal sends it again. */
const COMMIT_GRACE_BLOCKS = 3;

export const encodeRevealRecord = (r: PendingRevealRecord): Uint8Array => {
  const msg = toBinary(MsgSubmitGradientSchema, r.reveal);
  const blob = r.gradient ? encodeGradientBlob(r.gradient) : new Uint8Array(0);
  const body = new Uint8Array(4 + msg.length + 1 + blob.length);
  new DataView(body.buffer).setUint32(0, msg.length);
  body.set(msg, 4);
  body[4 + msg.length] = r.gradient ? 1 : 0;
  body.set(blob, 5 + msg.length);
  const out = new Uint8Array(HEADER + body.length);
  out.set(MAGIC, 0);
  out[MAGIC.length] = VERSION;
  out.set(sha256(body), MAGIC.length + 1);
  out.set(body, HEADER);
  return out;
};

/** Decodes a journal file's bytes; throws an Error saying what is wrong with them. */
export const decodeRevealRecord = (bytes: Uint8Array): PendingRevealRecord => {
  if (bytes.length < HEADER + 5) throw new Error(`too short (${bytes.length} bytes)`);
  if (!bytesEqual(bytes.subarray(0, MAGIC.length), MAGIC))
    throw new Error("not a reveal journal file (no R3REVEAL header)");
  if (bytes[MAGIC.length] !== VERSION)
    throw new Error(`version ${bytes[MAGIC.length]}, this build reads version ${VERSION}`);
  const body = bytes.subarray(HEADER);
  if (!bytesEqual(sha256(body), bytes.subarray(MAGIC.length + 1, HEADER)))
    throw new Error("checksum mismatch (the file was damaged)");
  const n = new DataView(body.buffer, body.byteOffset, body.byteLength).getUint32(0);
  if (4 + n + 1 > body.length) throw new Error("message length past the end of the file");
  const reveal = fromBinary(MsgSubmitGradientSchema, body.subarray(4, 4 + n));
  const flag = body[4 + n];
  if (flag === 0) return { reveal };
  if (flag !== 1) throw new Error(`bad gradient flag ${flag}`);
  return { reveal, gradient: decodeGradientBlob(body.subarray(5 + n)) };
};

interface Entry {
  readonly record: PendingRevealRecord;
  /** Loaded at start: nobody in this process reveals it but the daemon, through `due`. */
  readonly orphan: boolean;
  /** The height `due` last handed it out at. */
  sentAt?: number;
  /** The first height `commitmentsDue` saw its commitment missing, then the height it last handed it out at. */
  commitMissingAt?: number;
}

const FILE = /^w(\d{1,15})\.rev$/;

export class RevealJournal {
  readonly #entries = new Map<number, Entry>();

  private constructor(
    readonly dir: string,
    readonly address: string,
    readonly log: (line: string) => void,
  ) {}

  /** Opens (creating) the folder and loads its reveals; temp files of an interrupted write are removed. */
  static open(dir: string, address: string, log: (line: string) => void): RevealJournal {
    const j = new RevealJournal(dir, address, log);
    fs.mkdirSync(dir, { recursive: true });
    for (const name of fs.readdirSync(dir).sort()) {
      if (name.endsWith(".rev.tmp")) {
        fs.rmSync(path.join(dir, name), { force: true });
        continue;
      }
      const m = FILE.exec(name);
      if (!m) continue;
      const window = Number(m[1]);
      const why = j.#load(name, window);
      if (why === undefined) continue;
      log(
        `reveal journal: ${name} is corrupt (${why}); set aside as ${name}.corrupt — the daemon goes on without it (that window's reveal, if still due, is not sent)`,
      );
      fs.renameSync(path.join(dir, name), path.join(dir, `${name}.corrupt`));
    }
    if (j.#entries.size > 0)
      log(
        `reveal journal: ${j.#entries.size} pending reveal(s) loaded (windows ${j.windows().join(", ")})`,
      );
    return j;
  }

  /** Loads one file; says why not when it does not check out. */
  #load(name: string, window: number): string | undefined {
    let r: PendingRevealRecord;
    try {
      r = decodeRevealRecord(new Uint8Array(fs.readFileSync(path.join(this.dir, name))));
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
    if (Number(r.reveal.window) !== window)
      return `it holds window ${r.reveal.window}'s reveal, not window ${window}'s`;
    if (r.reveal.miner !== this.address)
      return `it holds ${r.reveal.miner}'s reveal, not ${this.address}'s`;
    this.#entries.set(window, { record: r, orphan: true });
    return undefined;
  }

  /** Windows with a pending reveal, ascending. */
  windows(): number[] {
    return [...this.#entries.keys()].sort((a, b) => a - b);
  }

  get(window: number): PendingRevealRecord | undefined {
    return this.#entries.get(window)?.record;
  }

  /** Journals a reveal (durably, before its commitment goes out); the running miner sends it. */
  save(r: PendingRevealRecord): void {
    const window = Number(r.reveal.window);
    if (r.reveal.miner !== this.address)
      throw new Error(`reveal journal of ${this.address} asked to keep ${r.reveal.miner}'s reveal`);
    const file = path.join(this.dir, `w${window}.rev`);
    const tmp = `${file}.tmp`;
    const fd = fs.openSync(tmp, "w", 0o600);
    try {
      fs.writeSync(fd, encodeRevealRecord(r));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
    const dfd = fs.openSync(this.dir, "r");
    try {
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
    this.#entries.set(window, { record: r, orphan: this.#entries.get(window)?.orphan ?? false });
  }

  delete(window: number): void {
    this.#entries.delete(window);
    fs.rmSync(path.join(this.dir, `w${window}.rev`), { force: true });
  }

  /**
   * Called with the chain state at each block from the tip on: the
   * commitments to send (again) — those of journaled reveals whose commitment
   * is still missing on chain three blocks after this journal first saw it
   * missing (a tx dropped from a mempool, a node restarted with an empty one,
   * as every node is at an upgrade height), again every two blocks, while the
   * next block is still in the commit phase. Each is the commitment the
   * journaled reveal opens (same salt, same bytes): if the first copy lands
   * after all, the chain refuses the second, which costs its fee and nothing
   * else. Without it the miner loses the window's pay to one lost tx.
   */
  commitmentsDue(state: Readonly<State>, height: number): CommandOf<"commitGradient">[] {
    const out: CommandOf<"commitGradient">[] = [];
    for (const window of this.windows()) {
      const e = this.#entries.get(window)!;
      const w = state.windows.get(window);
      if (!w || w.closed || height + 1 > w.commitEndHeight || w.commitments.has(this.address))
        continue;
      if (e.commitMissingAt === undefined) {
        // The miner's own copy may be a block or two from landing (p99 latency ~2 blocks): first look again later.
        e.commitMissingAt = height + COMMIT_GRACE_BLOCKS - RESEND_BLOCKS;
        continue;
      }
      if (height < e.commitMissingAt + RESEND_BLOCKS) continue;
      e.commitMissingAt = height;
      const r = e.record.reveal;
      out.push(
        create(MsgCommitGradientSchema, {
          miner: r.miner,
          window: r.window,
          shard: r.shard,
          commitment: gradientCommitment(r),
        }),
      );
    }
    return out;
  }

  /**
   * Called with the chain state at each block from the tip on: deletes the
   * reveals that are done (on chain, commitment gone, window closed) and
   * returns the loaded ones to send now — commitment on chain, reveal period
   * open, not handed out in the last two blocks.
   */
  due(state: Readonly<State>, height: number): PendingRevealRecord[] {
    const out: PendingRevealRecord[] = [];
    for (const window of this.windows()) {
      const e = this.#entries.get(window)!;
      const w = state.windows.get(window);
      if (!w || w.closed || w.submittedBy.has(this.address)) {
        this.delete(window);
        continue;
      }
      if (height <= w.commitEndHeight) continue; // commit phase: a reveal now would be refused
      if (!w.commitments.has(this.address)) {
        this.delete(window); // the commitment never landed: nothing to open
        continue;
      }
      if (!e.orphan || height > w.closeHeight) continue;
      if (e.sentAt !== undefined && height < e.sentAt + RESEND_BLOCKS) continue;
      e.sentAt = height;
      out.push(e.record);
    }
    return out;
  }
}
