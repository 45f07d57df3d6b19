/**
 * Loss copier / stale resubmitter. It trains (at most) once, then for every
 * later task waits until three blocks before the deadline and submits its
 * old update again ("stale"), a random update ("random") or a quarter of the
 * training ("partial"), each stored and served, with the claimed loss copied
 * from a shard peer's committed submission.
 *
 * What it exploits: tier 1 flags the hash as a mismatch, but the
 * protocol-opened dispute is decided by the tier-2 loss vote, which compares
 * the validators' recomputed loss with the *claimed* loss
 * (verification/tier2.ts supportsClaim, disputes.ts advanceDisputes). The
 * copied claim is right, so the dispute is upheld, the submission becomes
 * OPTIMISTIC and is paid; a later bonded challenge of it is upheld the same
 * way and its bond goes to the copier. Under gradient commit–reveal
 * (protocol/gradient-commits.ts) it commits before any peer reveals, so it
 * rarely has a claim to copy and commits to a made-up loss instead. Traps still catch it (its hash is not the vault's answer) unless
 * `spotTraps` makes it train honestly on tasks it recognises as traps
 * (trap-spotter.ts).
 */
import { type LazyFake, type MinerBehaviour, trained, type Work } from "../miners.ts";
import { madeUpLoss, noiseResult, paidHonestWork, peerSubmission, spotsTrap } from "./observe.ts";

export interface LossCopierOptions {
  readonly fake: LazyFake;
  readonly spotTraps: boolean;
  /** "partial": share of the training it does (bps). */
  readonly effortBps: number;
}

export const lossCopier = (o: LossCopierOptions): MinerBehaviour => ({
  kind: "loss_copying_miner",
  answersAvailability: true,
  work: (m, task, io) => {
    if (o.spotTraps && spotsTrap(m, task, io)) return paidHonestWork(m, task, io);
    // A stale update needs one real one first.
    if (o.fake === "stale" && !m.lastReal) {
      const w = paidHonestWork(m, task, io);
      m.lastReal = w.result;
      return w;
    }
    return "later";
  },
  late: (m, task, io): Work | undefined => {
    // Under gradient commit-reveal no peer has revealed when it must commit, so it usually has no claim to copy.
    const claimedLossMicro = peerSubmission(m, task, io)?.claimedLossMicro ?? madeUpLoss(io);
    let base = o.fake === "stale" && m.lastReal ? m.lastReal : noiseResult(task, io);
    if (o.fake === "partial") base = io.world.backend.train(task, o.effortBps);
    trained(m, task, io, o.fake === "partial" ? o.effortBps : 0);
    return {
      result: { ...base, claimedLossMicro },
      delayMs: 0,
      stored: true,
    };
  },
});
