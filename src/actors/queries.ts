/**
 * Read-only queries of the committed state that many actors ask in the same
 * block (who is on my shard, who is on the trap committee). A node answers
 * them from indexes; here they are computed once per block and shared, which
 * changes no answer, only the cost.
 */
import { SubmissionStatus } from "../gen/remes/v1/events_pb.ts";
import type { State, Submission } from "../protocol/state.ts";
import { minersByShard } from "../protocol/shards.ts";
import { submissionsOf } from "../protocol/submissions.ts";
import { trapCommittee } from "../protocol/traps.ts";

const NO_SHARDS: ReadonlySet<number> = new Set();

export class Queries {
  #height = -1;
  #committee: string[] | undefined;
  readonly #subs = new Map<number, Submission[]>();

  #fresh(state: Readonly<State>): void {
    if (state.height === this.#height) return;
    this.#height = state.height;
    this.#committee = undefined;
    this.#subs.clear();
  }

  committee(state: Readonly<State>): readonly string[] {
    this.#fresh(state);
    return (this.#committee ??= trapCommittee(state));
  }

  /** Miners assigned to a shard of a window, in address order (fixed once the window opened). */
  shardPeers(state: Readonly<State>, window: number, shard: number): readonly string[] {
    const w = state.windows.get(window);
    return (w && minersByShard(w.assignment).get(shard)) ?? [];
  }

  /** Live submissions of a window, id order, as of this block. */
  submissions(state: Readonly<State>, window: number): readonly Submission[] {
    this.#fresh(state);
    let s = this.#subs.get(window);
    if (!s) this.#subs.set(window, (s = submissionsOf(state, window)));
    return s;
  }

  /** Shards of a window revealed as traps: their live submissions are under (or past) a tier-3 audit. */
  trapShards(state: Readonly<State>, window: number): ReadonlySet<number> {
    return state.traps.get(window)?.accepted?.opened ?? NO_SHARDS;
  }

  live(state: Readonly<State>, window: number): readonly Submission[] {
    return this.submissions(state, window).filter((s) => s.status !== SubmissionStatus.REJECTED);
  }
}
