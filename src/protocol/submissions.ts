/**
 * Gradient submissions: a miner registered for the window submits, once per
 * window and for its assigned shard, the CID and hashes of its stored
 * gradient — never the tensor itself. Size and field limits are params. The
 * submission is the reveal of a commitment sent while the window was open
 * (gradient-commits.ts), accepted only in the window's reveal period.
 */
import { GpuArch } from "../gen/remes/v1/types_pb.ts";
import { SubmissionStatus } from "../gen/remes/v1/events_pb.ts";
import type { CommandOf } from "./commands.ts";
import type { BlockContext } from "./context.ts";
import { fail, isProtocolError, type ProtocolError } from "./errors.ts";
import { event, type EventOf, type ProtocolEvent } from "./events.ts";
import { checkReveal } from "./gradient-commits.ts";
import { activeMiner, checkAssignedShard } from "./miner-checks.ts";
import { checkKernelVersion } from "./kernel-versions.ts";
import type { State, Submission } from "./state.ts";

// A syntactic CID check (CIDv1 base32 or CIDv0 base58btc): the chain never
// fetches content, so parsing multihashes here would buy nothing; the content
// stores (src/store) decode and verify CIDs where bytes are actually read.
const CID_V1_BASE32 = /^b[a-z2-7]{50,}$/;
const CID_V0 = /^Qm[1-9A-HJ-NP-Za-km-z]{44}$/;

export const checkCid = (cid: string, maxLength: number): ProtocolError | undefined => {
  if (cid.length > maxLength)
    return fail("tooLarge", `CID is ${cid.length} characters, the limit is ${maxLength}`);
  if (!CID_V1_BASE32.test(cid) && !CID_V0.test(cid))
    return fail("invalidMessage", `"${cid.slice(0, 80)}" is not a CIDv1 (base32) or CIDv0`);
  return undefined;
};

export const decideSubmitGradient = (
  state: Readonly<State>,
  m: CommandOf<"submitGradient">,
  ctx: BlockContext,
): ProtocolEvent[] | ProtocolError => {
  const p = state.params;
  const miner = activeMiner(state, m.miner);
  if (isProtocolError(miner)) return miner;
  const w = state.windows.get(Number(m.window));
  if (!w || w.closed)
    return fail(
      "wrongPhase",
      `window ${m.window} is not taking reveals (the open window is ${state.nextWindow - 1}; a window's submissions are revealed in the gradient_reveal_blocks after its last block)`,
    );
  const wrongShard = checkAssignedShard(w, m, "submit");
  if (wrongShard) return wrongShard;
  if (w.submittedBy.has(m.miner))
    return fail("duplicate", `${m.miner} already submitted for window ${m.window}`);
  const bad = checkCid(m.gradientCid, p.maxCidLength);
  if (bad) return bad;
  if (m.gradientHash.length !== 32)
    return fail(
      "invalidMessage",
      `gradient_hash must be 32 bytes (sha256), got ${m.gradientHash.length}`,
    );
  if (m.daRoot.length !== 32)
    return fail("invalidMessage", `da_root must be 32 bytes, got ${m.daRoot.length}`);
  if (m.sizeBytes === 0n) return fail("invalidMessage", "size_bytes must be positive");
  if (m.sizeBytes > p.maxGradientBytes)
    return fail(
      "tooLarge",
      `gradient of ${m.sizeBytes} bytes exceeds max_gradient_bytes ${p.maxGradientBytes}`,
    );
  if (m.sizeBytes / BigInt(p.daChunkBytes) >= 2n ** 32n - 1n)
    return fail(
      "tooLarge",
      `gradient of ${m.sizeBytes} bytes has too many ${p.daChunkBytes}-byte availability chunks`,
    );
  if (m.claimedLossMicro > p.maxClaimedLossMicro)
    return fail(
      "invalidMessage",
      `claimed_loss_micro ${m.claimedLossMicro} exceeds ${p.maxClaimedLossMicro}`,
    );
  if (m.gpuArch === GpuArch.UNSPECIFIED || GpuArch[m.gpuArch] === undefined)
    return fail("invalidMessage", "gpu_arch must name a known architecture");
  // Tier 1 groups by architecture, so a miner may not pick its group (issue 13):
  // it submits under the architecture it registered. The architecture is fixed
  // for the address (roles are never re-registered): a miner that changes
  // hardware registers a new miner address with fresh stake and unbonds the
  // old one, so hopping between groups costs a bond and an unbonding period.
  if (m.gpuArch !== miner.gpuArch) {
    return fail(
      "invalidMessage",
      `${m.miner} registered gpu_arch ${GpuArch[miner.gpuArch]}, not ${GpuArch[m.gpuArch]}; a miner submits under its registered architecture`,
    );
  }
  const kernel = checkKernelVersion(state, m.kernelVersion);
  if (kernel) return kernel;
  // Last, on a well-formed message: it must open the miner's commitment (gradient-commits.ts).
  const reveal = checkReveal(w, m, ctx);
  if (reveal) return reveal;
  return [
    event("gradientSubmitted", {
      submissionId: state.counters.nextSubmissionId,
      height: ctx.height,
      miner: m.miner,
      window: m.window,
      shard: m.shard,
      gradientCid: m.gradientCid,
      gradientHash: m.gradientHash,
      daRoot: m.daRoot,
      sizeBytes: m.sizeBytes,
      claimedLossMicro: m.claimedLossMicro,
      gpuArch: m.gpuArch,
      kernelVersion: m.kernelVersion,
    }),
  ];
};

export const evolveGradientSubmitted = (state: State, e: EventOf<"gradientSubmitted">): void => {
  const id = Number(e.submissionId);
  const window = Number(e.window);
  state.submissions.set(id, {
    id,
    height: Number(e.height),
    miner: e.miner,
    window,
    shard: e.shard,
    gradientCid: e.gradientCid,
    gradientHash: e.gradientHash,
    daRoot: e.daRoot,
    sizeBytes: e.sizeBytes,
    claimedLossMicro: e.claimedLossMicro,
    gpuArch: e.gpuArch,
    kernelVersion: e.kernelVersion,
    status: SubmissionStatus.PENDING,
  });
  const w = state.windows.get(window);
  w?.submittedBy.set(e.miner, id);
  w?.commitments.delete(e.miner); // revealed: the commitment has done its work
  state.counters.nextSubmissionId = Math.max(state.counters.nextSubmissionId, id + 1);
};

export const evolveSubmissionRejected = (state: State, e: EventOf<"submissionRejected">): void => {
  const s = state.submissions.get(Number(e.submissionId));
  if (s) {
    s.status = SubmissionStatus.REJECTED;
    s.rejectedAt = state.height;
  }
};

/** Live submissions of a window in id order. */
export const submissionsOf = (state: Readonly<State>, window: number) => {
  const w = state.windows.get(window);
  if (!w) return [];
  const ids = [...w.submittedBy.values()].sort((a, b) => a - b);
  const out: Submission[] = [];
  for (let i = 0; i < ids.length; i++) {
    const s = state.submissions.get(ids[i]!);
    if (s) out.push(s);
  }
  return out;
};
