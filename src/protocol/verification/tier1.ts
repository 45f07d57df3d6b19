/**
 * Tier 1, optimistic verification: when a window closes, the submissions of
 * each (shard, GPU architecture, kernel version) group are compared by hash.
 * A hash shared by at least two miners and held by strictly more miners than
 * any other is the group's agreed hash: its submissions are VERIFIED, the
 * others MISMATCHED (and disputed by the protocol at tier 3). A group with no
 * such hash (all differ, or a tie) is all MISMATCHED; a lone submission is
 * OPTIMISTIC — accepted, and open to challenges until the challenge window ends.
 */
import { SubmissionStatus } from "../../gen/remes/v1/events_pb.ts";
import { event, type EventOf, type ProtocolEvent } from "../events.ts";
import { hex, type State, type Submission } from "../state.ts";
import { submissionsOf } from "../submissions.ts";

interface Group {
  readonly subs: Submission[];
}

/**
 * Submissions by (shard, architecture, kernel version), groups in that
 * order (numbers ascending, kernel versions in code-unit order), each group
 * in the input's order. Nested maps rather than one zero-padded string key
 * per submission (the same order, without building ~10,000 keys a window).
 */
const groupsOf = (subs: readonly Submission[]): Group[] => {
  const byShard = new Map<number, Map<number, Map<string, Submission[]>>>();
  for (const s of subs) {
    let archs = byShard.get(s.shard);
    if (!archs) byShard.set(s.shard, (archs = new Map()));
    let kernels = archs.get(s.gpuArch);
    if (!kernels) archs.set(s.gpuArch, (kernels = new Map()));
    const list = kernels.get(s.kernelVersion);
    if (list) list.push(s);
    else kernels.set(s.kernelVersion, [s]);
  }
  const out: Group[] = [];
  for (const shard of [...byShard.keys()].sort((a, b) => a - b)) {
    const archs = byShard.get(shard)!;
    for (const arch of [...archs.keys()].sort((a, b) => a - b)) {
      const kernels = archs.get(arch)!;
      for (const kernel of [...kernels.keys()].sort()) out.push({ subs: kernels.get(kernel)! });
    }
  }
  return out;
};

const agreedHash = (hashes: readonly string[]): string | undefined => {
  const counts = new Map<string, number>();
  for (const h of hashes) counts.set(h, (counts.get(h) ?? 0) + 1);
  let best: string | undefined;
  let bestCount = 0;
  let tie = false;
  for (const [h, c] of counts) {
    if (c > bestCount) {
      best = h;
      bestCount = c;
      tie = false;
    } else if (c === bestCount) tie = true;
  }
  return bestCount >= 2 && !tie ? best : undefined;
};

/** Events for every group of the window; the caller opens disputes for mismatches. */
export const evaluateTier1 = (state: Readonly<State>, window: number): ProtocolEvent[] => {
  const out: ProtocolEvent[] = [];
  for (const g of groupsOf(submissionsOf(state, window))) {
    const first = g.subs[0]!;
    const { shard, gpuArch, kernelVersion } = first;
    const live = g.subs.filter((s) => s.status !== SubmissionStatus.REJECTED);
    if (live.length === 0) continue;
    if (live.length === 1) {
      out.push(
        event("tier1Evaluated", {
          window,
          shard,
          gpuArch,
          kernelVersion,
          optimisticIds: [live[0]!.id],
        }),
      );
      continue;
    }
    const hashes = live.map((s) => hex(s.gradientHash));
    const agreed = agreedHash(hashes);
    const verified = live.filter((_, i) => hashes[i] === agreed).map((s) => s.id);
    const mismatched = live.filter((_, i) => hashes[i] !== agreed).map((s) => s.id);
    const agreedBytes =
      agreed === undefined ? new Uint8Array() : live[hashes.indexOf(agreed)]!.gradientHash;
    out.push(
      event("tier1Evaluated", {
        window,
        shard,
        gpuArch,
        kernelVersion,
        agreedHash: agreedBytes,
        verifiedIds: verified,
        mismatchedIds: mismatched,
      }),
    );
  }
  return out;
};

export const evolveTier1Evaluated = (state: State, e: EventOf<"tier1Evaluated">): void => {
  const set = (ids: readonly number[], status: SubmissionStatus) => {
    for (const id of ids) {
      const s = state.submissions.get(id);
      if (s && s.status !== SubmissionStatus.REJECTED) s.status = status;
    }
  };
  set(e.verifiedIds.map(Number), SubmissionStatus.VERIFIED);
  set(e.optimisticIds.map(Number), SubmissionStatus.OPTIMISTIC);
  set(e.mismatchedIds.map(Number), SubmissionStatus.MISMATCHED);
};
