/**
 * Miners. Every miner reacts to the same two things: a window opening (read
 * its shard from the committed assignment, fetch its task from the feed,
 * work, submit the result's hash) and an availability challenge addressed to
 * it (open the chunk with a Merkle proof, if it holds the data). What
 * "work" means is the behaviour: honest training, skipping (lazy), copying a
 * peer (copycat), tampering with the update (poisoner), or sharing one fake
 * answer across a coalition (sybil cluster, colluders).
 */
import { SubmissionStatus } from "../gen/remes/v1/events_pb.ts";
import { type GpuArch, Role } from "../gen/remes/v1/types_pb.ts";
import { command, type CommandOf, type ProtocolCommand } from "../protocol/commands.ts";
import { gradientCommitment, inCommitPhase } from "../protocol/gradient-commits.ts";
import type { ProtocolEvent } from "../protocol/events.ts";
import { hashParts } from "../protocol/randomness.ts";
import { isActive } from "../protocol/staking.ts";
import { bytesEqual, roleKey, type State } from "../protocol/state.ts";
import type { ActorInfo, ActorKind } from "./kinds.ts";
import type { Actor, ActorIO } from "./actor.ts";
import { cidOf, daRootOf, type Task, type TrainResult, UPDATE_DIM } from "./backend.ts";
import type { StoredGradient } from "./world.ts";

/** What a miner submits for a task, when, and whether it keeps the bytes (to answer availability challenges). */
export interface Work {
  readonly result: TrainResult;
  readonly delayMs: number;
  readonly stored: boolean;
  /** What it declares instead of its own GPU architecture and the backend's kernel version (attackers: src/actors/attacks/). */
  readonly gpuArch?: GpuArch;
  readonly kernelVersion?: string;
}

export interface MinerBehaviour {
  readonly kind: ActorKind;
  /** Decides the work for a task; undefined submits nothing. `later` lets a copycat look again before the deadline. */
  work(self: Miner, task: Task, io: ActorIO): Work | undefined | "later";
  /** Called three blocks before the commit deadline for "later" work. */
  late?(self: Miner, task: Task, io: ActorIO): Work | undefined;
  /**
   * Attackers only: called two blocks before the reveal period ends (after
   * its shard peers have revealed) with the work it committed to; returns the
   * submission to reveal instead (a copy: refused, it opens no commitment of
   * its own) or undefined to withhold. Without it a miner reveals what it
   * committed as soon as the commit phase ends.
   */
  reveal?(self: Miner, task: Task, io: ActorIO, committed: Work): Work | undefined;
  readonly answersAvailability: boolean;
}

/**
 * Where a client keeps a pending reveal, durably, before it sends the
 * commitment (the live daemon's journal, src/actors/live/reveal-journal.ts):
 * the submission the commitment binds and, when it keeps them, the bytes to
 * publish with it. Throwing stops the commitment from going out.
 */
export interface RevealKeeper {
  keep(reveal: CommandOf<"submitGradient">, gradient: StoredGradient | undefined): void;
}

/** A commitment sent and the reveal it opens (gradient-commits.ts). */
interface PendingReveal {
  readonly task: Task;
  readonly work: Work;
  readonly msg: ProtocolCommand;
}

/** ±10% jitter around the backend's cost for the task. */
export const trainDelay = (task: Task, io: ActorIO): number => {
  const cost = io.world.backend.costMs(task);
  return cost - Math.floor(cost / 10) + io.prng.below(Math.floor(cost / 5) + 1);
};

/** Records the task's training in the work ledger: its nominal cost on the miner's GPU times the share done (not the jittered delay). */
export const trained = (m: Miner, task: Task, io: ActorIO, effortBps = 10_000): void =>
  io.world.work.add(
    m.info.address,
    "train",
    m.info.gpuArch,
    (io.world.backend.costMs(task) * effortBps) / 10_000,
  );

export const honestWork = (task: Task, io: ActorIO): Work => ({
  result: io.world.backend.train(task),
  delayMs: trainDelay(task, io),
  stored: true,
});

/** A made-up result: random hash and root (no bytes behind them), a plausible loss. */
export const randomFake = (io: ActorIO): TrainResult => {
  const gradientHash = hashParts("sim/fake", io.prng.nextU64());
  return {
    gradientHash,
    daRoot: hashParts("sim/fake-root", gradientHash),
    sizeBytes:
      io.chain.state.params.daChunkBytes > 0
        ? BigInt(io.chain.state.params.daChunkBytes * 4)
        : 4_096n,
    claimedLossMicro: 1_000_000n + BigInt(io.prng.below(1_000_000)),
    cid: cidOf(gradientHash),
  };
};

/**
 * The gradient hashes a miner holds the bytes of, in the order first added:
 * what a `Set` of hex keys did, without building a 64-character key per
 * submission (the first four bytes, as an integer, screen the comparisons).
 * The hashes are copied into one growable buffer (a FIFO window over it), so
 * 10,000 miners × 64 held hashes are 10,000 buffers, not 640,000 arrays kept
 * alive for the garbage collector to trace.
 */
export class HeldHashes {
  #bytes = new Uint8Array(0);
  #prefixes = new Uint32Array(0);
  /** The held hashes are slots start..end-1, oldest first. */
  #start = 0;
  #end = 0;

  get size(): number {
    return this.#end - this.#start;
  }

  has(hash: Uint8Array): boolean {
    return hash.length === 32 && this.#find(hash, prefixOf(hash));
  }

  #find(hash: Uint8Array, p: number): boolean {
    const prefixes = this.#prefixes;
    const bytes = this.#bytes;
    for (let i = this.#start; i < this.#end; i++) {
      if (prefixes[i] !== p) continue;
      let k = 4;
      const at = 32 * i;
      while (k < 32 && bytes[at + k] === hash[k]) k++;
      if (k === 32) return true;
    }
    return false;
  }

  /** Adds the hash unless held; then drops the oldest one if more than `max` are held (as `Set` add + delete did). */
  add(hash: Uint8Array, max = Number.POSITIVE_INFINITY): void {
    // Only 32-byte hashes are held: the chain refuses any other (submissions.ts), so no challenge can name one.
    const p = hash.length === 32 ? prefixOf(hash) : 0;
    if (hash.length === 32 && !this.#find(hash, p)) {
      if (this.#end === this.#prefixes.length) this.#makeRoom();
      this.#prefixes[this.#end] = p;
      this.#bytes.set(hash, 32 * this.#end);
      this.#end++;
    }
    if (this.#end - this.#start > max) this.#start++;
  }

  /** Room for one more slot at the end: slide the held ones to the front (one add a window: cheap), or grow by half. */
  #makeRoom(): void {
    const n = this.#end - this.#start;
    if (this.#start > 0) {
      this.#prefixes.copyWithin(0, this.#start, this.#end);
      this.#bytes.copyWithin(0, 32 * this.#start, 32 * this.#end);
    } else {
      const cap = Math.max(8, n + (n >> 1));
      const prefixes = new Uint32Array(cap);
      prefixes.set(this.#prefixes.subarray(0, n));
      const bytes = new Uint8Array(32 * cap);
      bytes.set(this.#bytes.subarray(0, 32 * n));
      this.#prefixes = prefixes;
      this.#bytes = bytes;
    }
    this.#start = 0;
    this.#end = n;
  }
}

const prefixOf = (h: Uint8Array): number =>
  ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;

export class Miner implements Actor {
  readonly role = "miner";
  readonly subscriptions = ["windowOpened"] as const;
  /** The last result it trained for real (a stale gradient to resubmit). */
  lastReal: TrainResult | undefined;
  #stored = new HeldHashes();
  /**
   * Window → its commitment's reveal. A client writes it to disk before it
   * sends the commitment, so a crash (reset) does not lose it: a miner that
   * restarts within the reveal period still reveals and is not slashed.
   */
  readonly #pending = new Map<number, PendingReveal>();
  /**
   * The secret its salts derive from. In a simulation the run's seed will do;
   * the live daemon sets a key of its own (src/actors/live/daemon.ts), since
   * a testnet's world seed is shared by every daemon.
   */
  saltKey: Uint8Array | undefined;
  /** Keeps pending reveals across restarts (the live daemon sets one; a simulation needs none). */
  revealKeeper: RevealKeeper | undefined;
  readonly #roleKey: string;

  constructor(
    readonly info: ActorInfo,
    readonly gpuArch: GpuArch,
    readonly behaviour: MinerBehaviour,
  ) {
    this.#roleKey = roleKey(Role.MINER, info.address);
  }

  reset(): void {
    this.lastReal = undefined;
    this.#stored = new HeldHashes();
  }

  onEvents(events: readonly ProtocolEvent[], io: ActorIO): void {
    for (const e of events) {
      if (e.case === "windowOpened") {
        // Window w + 1 opens on the block after window w's last: the commit phases before it have ended.
        this.#revealDue(Number(e.value.window), io);
        this.#onWindow(Number(e.value.window), io);
      } else if (e.case === "availabilityChallenged")
        this.#onChallenge(
          {
            challengeId: Number(e.value.challengeId),
            submissionId: Number(e.value.submissionId),
            chunkIndex: e.value.chunkIndex,
          },
          io,
        );
    }
  }

  #onWindow(window: number, io: ActorIO): void {
    const state = io.chain.state;
    const w = state.windows.get(window);
    const shard = w?.assignment.get(this.info.address);
    if (!w || shard === undefined) return;
    const task = io.world.tasks.task(window, shard, this.gpuArch, state);
    const work = this.behaviour.work(this, task, io);
    if (work === "later") {
      // Look again three blocks before the window's last block (the end of its commit phase).
      const deadline = Math.max(0, (w.commitEndHeight - state.height - 3) * io.blockTimeMs);
      io.wake(deadline, () => this.#commit(task, this.behaviour.late?.(this, task, io), io));
      return;
    }
    if (work) io.wake(work.delayMs, () => this.#commit(task, work, io));
  }

  /** The submission it will reveal for `work`, salted from its salt key. */
  #submission(task: Task, work: Work, io: ActorIO): ProtocolCommand {
    const r = work.result;
    return command("submitGradient", {
      miner: this.info.address,
      window: task.window,
      shard: task.shard,
      gradientCid: r.cid,
      gradientHash: r.gradientHash,
      daRoot: r.daRoot,
      sizeBytes: r.sizeBytes,
      claimedLossMicro: r.claimedLossMicro,
      gpuArch: work.gpuArch ?? this.gpuArch,
      kernelVersion: work.kernelVersion ?? io.world.backend.kernelVersion,
      salt: hashParts(
        "sim/gradient-salt",
        this.saltKey ?? io.world.seed,
        this.info.address,
        task.window,
      ),
    });
  }

  /**
   * Commit phase: sends the commitment only. The bytes are not published yet:
   * a content store's provider records name the CID, which is the gradient's
   * hash, so a peer watching them could commit to the same answer.
   */
  #commit(task: Task, work: Work | undefined, io: ActorIO): void {
    if (!work) return;
    // A client checks its own standing first: slashed below the minimum stake, it has no say.
    if (!this.#active(io)) return;
    const msg = this.#submission(task, work, io);
    if (msg.case !== "submitGradient") return;
    this.revealKeeper?.keep(msg.value, work.stored ? this.#blobOf(task, work) : undefined);
    this.#pending.set(task.window, { task, work, msg });
    // Reveal on the block after the window's last (also on the next window's opening, should this wake be lost).
    const w = io.chain.state.windows.get(task.window);
    if (w)
      io.wake(Math.max(0, (w.commitEndHeight + 1 - io.chain.state.height) * io.blockTimeMs), () =>
        this.#revealDue(task.window + 1, io),
      );
    const commit = command("commitGradient", {
      miner: this.info.address,
      window: task.window,
      shard: task.shard,
      commitment: gradientCommitment(msg.value),
    });
    if (!io.submit(commit)) this.#resendCommit(task.window, commit, io);
  }

  /**
   * A commitment whose send failed (its node unreachable, the link lost it:
   * what a client sees as an error or a timeout of its broadcast) is sent
   * again a block later, while the commit phase is open and it is not on
   * chain: a lost commitment loses the window. A send that reached a node is
   * not watched (that costs a timer per commitment); the live daemon's
   * journal also resends what a node dropped after taking it
   * (reveal-journal.ts commitmentsDue).
   */
  #resendCommit(window: number, commit: ProtocolCommand, io: ActorIO): void {
    io.wake(io.blockTimeMs, () => {
      const state = io.chain.state;
      const w = state.windows.get(window);
      if (!w || w.commitments.has(this.info.address)) return;
      if (!inCommitPhase(w, state.height + 1) || !this.#active(io)) return;
      if (!io.submit(commit)) this.#resendCommit(window, commit, io);
    });
  }

  #active(io: ActorIO): boolean {
    const role = io.chain.state.roles.get(this.#roleKey);
    return role !== undefined && isActive(io.chain.state, role);
  }

  /** Reveals every commitment whose commit phase ended before window `opened` opened. */
  #revealDue(opened: number, io: ActorIO): void {
    if (this.#pending.size === 0) return;
    // The loop deletes only the entry it visits and adds none: no copy of the map needed.
    for (const [window, p] of this.#pending) {
      if (window >= opened) continue;
      const w = io.chain.state.windows.get(window);
      if (w && !w.closed && io.chain.state.height < w.commitEndHeight) {
        // A live daemon's wake runs on its clock, not the chain's: the commit phase has not ended on chain
        // yet, and a reveal now would be refused. Look again when it should have.
        io.wake(Math.max(1, w.commitEndHeight - io.chain.state.height) * io.blockTimeMs, () =>
          this.#revealDue(window + 1, io),
        );
        continue;
      }
      this.#pending.delete(window);
      // Its commitment never landed (sent too late, or refused): nothing to open.
      if (!w || w.closed || !w.commitments.has(this.info.address)) continue;
      // Slashed below the minimum stake since it committed, it can not reveal (the chain refuses an inactive miner).
      if (!this.#active(io)) continue;
      const reveal = this.behaviour.reveal;
      if (reveal) {
        const at = Math.max(0, (w.closeHeight - io.chain.state.height - 2) * io.blockTimeMs);
        io.wake(at, () => {
          const work = reveal(this, p.task, io, p.work);
          if (work)
            this.#reveal(
              p.task,
              work,
              work === p.work ? p.msg : this.#submission(p.task, work, io),
              io,
            );
        });
      } else {
        this.#reveal(p.task, p.work, p.msg, io);
        this.#watch(window, p.msg, io, io.chain.state.height);
      }
    }
  }

  /**
   * Until its reveal is on chain or the reveal period ends, sends it again
   * whenever two blocks passed without it (a lost or dropped tx): a
   * commitment left unrevealed is slashed (gradient-commits.ts).
   */
  #watch(window: number, msg: ProtocolCommand, io: ActorIO, sentAt: number): void {
    // One look two blocks on (not one a block: 10,000 miners × every reveal block is a lot of wakes).
    io.wake(2 * io.blockTimeMs, () => {
      const state = io.chain.state;
      const w = state.windows.get(window);
      if (!w || w.closed || w.submittedBy.has(this.info.address)) return;
      if (!w.commitments.has(this.info.address) || !this.#active(io)) return;
      if (state.height >= sentAt + 2) io.submit(msg);
      this.#watch(window, msg, io, state.height >= sentAt + 2 ? state.height : sentAt);
    });
  }

  /** Reveal phase: publishes the bytes (if it keeps them) and sends the submission its commitment binds. */
  #reveal(task: Task, work: Work, msg: ProtocolCommand, io: ActorIO): void {
    const r = work.result;
    if (work.stored) {
      this.#stored.add(r.gradientHash, 64);
      io.world.store.put(r.cid, this.#blobOf(task, work));
    }
    io.submit(msg);
  }

  /** What it publishes under the result's CID. */
  #blobOf(task: Task, work: Work): StoredGradient {
    const r = work.result;
    return {
      window: task.window,
      gradientHash: r.gradientHash,
      sizeBytes: r.sizeBytes,
      ...(r.update ? { update: r.update } : {}),
    };
  }

  #onChallenge(
    c: { challengeId: number; submissionId: number; chunkIndex: number },
    io: ActorIO,
  ): void {
    if (!this.behaviour.answersAvailability) return;
    const s = io.chain.state.submissions.get(c.submissionId);
    if (!s || !this.#stored.has(s.gradientHash)) return;
    const { chunk, proof } = io.world.backend.daOpening(
      s.gradientHash,
      s.sizeBytes,
      io.chain.state.params.daChunkBytes,
      c.chunkIndex,
    );
    io.submit(
      command("proveAvailability", {
        miner: this.info.address,
        challengeId: c.challengeId,
        chunk,
        proof: { index: proof.index, leafCount: proof.leafCount, siblings: [...proof.siblings] },
      }),
    );
  }

  /** Keeps bytes it fetched (a copycat downloading the CID it copies). */
  hold(gradientHash: Uint8Array): void {
    this.#stored.add(gradientHash);
  }
}

// --- behaviours ---

export const honest: MinerBehaviour = {
  kind: "honest_miner",
  work: (m, task, io) => (trained(m, task, io), honestWork(task, io)),
  answersAvailability: true,
};

export const dataWithholder: MinerBehaviour = {
  kind: "data_withholder",
  work: (m, task, io) => (trained(m, task, io), honestWork(task, io)),
  answersAvailability: false,
};

export type LazyFake = "random" | "stale" | "partial";

/**
 * Skips `skipBps` of its tasks; a skipped task gets a random hash, its last
 * real gradient again ("stale"), or only `effortBps` of the training
 * ("partial": a real, well-formed update and its true loss, just wrong).
 */
export const lazy = (skipBps: number, fake: LazyFake, effortBps = 2_500): MinerBehaviour => ({
  kind: "lazy_miner",
  answersAvailability: true,
  work: (m, task, io) => {
    const skip = io.prng.chance(skipBps, 10_000);
    trained(m, task, io, !skip ? 10_000 : fake === "partial" ? effortBps : 0);
    if (!skip) {
      const w = honestWork(task, io);
      m.lastReal = w.result;
      return w;
    }
    const delayMs = Math.floor(io.world.backend.costMs(task) / 20);
    if (fake === "partial")
      return {
        result: io.world.backend.train(task, effortBps),
        delayMs: Math.floor((trainDelay(task, io) * effortBps) / 10_000),
        stored: true,
      };
    if (fake === "stale" && m.lastReal) return { result: m.lastReal, delayMs, stored: true };
    return { result: randomFake(io), delayMs, stored: false };
  },
});

/**
 * Copycat under gradient commit–reveal (protocol/gradient-commits.ts): it
 * trains nothing, so three blocks before the commit deadline — when no peer
 * has revealed anything — it commits to a made-up result. Two blocks
 * before the reveal period ends it looks at its shard's reveals: with a peer
 * of its own GPU architecture to copy it sends the peer's submission as its
 * reveal, which opens no commitment of its own and is refused (its
 * commitment then expires unrevealed and is slashed); with none it reveals
 * its junk, which stands alone in its tier-1 group (OPTIMISTIC, open to
 * isolation audits, traps and challenges) or mismatches the peers that
 * revealed late (tier 3, slashed).
 */
export const copycat: MinerBehaviour = {
  kind: "copycat_miner",
  answersAvailability: true,
  work: () => "later",
  late: (m, task, io) => {
    trained(m, task, io, 0);
    return { result: randomFake(io), delayMs: 0, stored: false };
  },
  reveal: (m, task, io, committed) => {
    const source = revealedPeer(m, task, io, true);
    return source ? copyOf(m, source, io) : committed;
  },
};

type Revealed = NonNullable<ReturnType<Readonly<State>["submissions"]["get"]>>;

/** A live reveal of a shard peer in this window (of its own architecture when `sameArch`), or undefined. */
export const revealedPeer = (
  m: Miner,
  task: Task,
  io: ActorIO,
  sameArch: boolean,
): Revealed | undefined => {
  const state = io.chain.state;
  const w = state.windows.get(task.window);
  if (!w) return undefined;
  for (const peer of io.world.queries.shardPeers(state, task.window, task.shard)) {
    const id = peer === m.info.address ? undefined : w.submittedBy.get(peer);
    const s = id === undefined ? undefined : state.submissions.get(id);
    if (!s || s.status === SubmissionStatus.REJECTED) continue;
    if (!sameArch || s.gpuArch === m.gpuArch) return s;
  }
  return undefined;
};

/** A copy of a peer's revealed submission, its bytes fetched by CID (it could answer availability challenges). */
export const copyOf = (m: Miner, s: Revealed, io: ActorIO, declare = false): Work => {
  if (io.world.store.get(s.gradientCid) !== undefined) m.hold(s.gradientHash);
  return {
    result: {
      gradientHash: s.gradientHash,
      daRoot: s.daRoot,
      sizeBytes: s.sizeBytes,
      claimedLossMicro: s.claimedLossMicro,
      cid: s.gradientCid,
    },
    delayMs: 0,
    stored: false,
    ...(declare ? { gpuArch: s.gpuArch, kernelVersion: s.kernelVersion } : {}),
  };
};

/** Trains, then submits the update scaled by −scaleBps/10,000 (sign-flipped and amplified). */
export const poisoner = (scaleBps: number): MinerBehaviour => ({
  kind: "poisoner_miner",
  answersAvailability: true,
  work: (m, task, io) => {
    trained(m, task, io);
    const honestResult = io.world.backend.train(task);
    if (!honestResult.update)
      return { result: honestResult, delayMs: trainDelay(task, io), stored: true };
    const poisoned = Int32Array.from(
      honestResult.update,
      (x) => -Math.trunc((x * scaleBps) / 10_000),
    );
    return {
      result: io.world.backend.publish(task, poisoned),
      delayMs: trainDelay(task, io),
      stored: true,
    };
  },
});

/**
 * A coalition (sybil cluster or colluding miners): every member on the same
 * shard submits one shared fake answer, stored so availability checks pass;
 * where members are the shard's majority, tier 1 verifies the fake.
 */
export const coalition = (
  kind: "sybil_miner" | "colluding_miner",
  group: string,
): MinerBehaviour => ({
  kind,
  answersAvailability: true,
  work: (m, task, io) => {
    trained(m, task, io, 0);
    const key = `${group}/${task.window}/${task.shard}/${task.gpuArch}`;
    let r = io.world.coalition.get(key);
    if (!r) {
      const gradientHash = hashParts(
        "sim/coalition",
        io.world.seed,
        group,
        task.window,
        task.shard,
        task.gpuArch,
      );
      const sizeBytes = BigInt(io.chain.state.params.daChunkBytes * 4);
      // A do-nothing update (zeros), stored and served like real work.
      r = {
        gradientHash,
        daRoot: daRootOf(gradientHash, sizeBytes, io.chain.state.params.daChunkBytes),
        sizeBytes,
        claimedLossMicro: 1_500_000n,
        cid: cidOf(gradientHash),
        update: new Int32Array(UPDATE_DIM),
      };
      io.world.coalition.set(key, r);
      if (io.world.coalition.size > 100_000)
        for (const k of [...io.world.coalition.keys()].slice(0, 50_000))
          io.world.coalition.delete(k);
    }
    return {
      result: r,
      delayMs: Math.floor(io.world.backend.costMs(task) / 20) + io.prng.below(io.blockTimeMs),
      stored: true,
    };
  },
});
