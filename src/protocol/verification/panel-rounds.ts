/**
 * Tier-3 panels must decide (issue 13). Before this, a member who gave no
 * verdict cost nothing, and a panel without a stake majority by its deadline
 * ended UNDECIDED, which paid the accused's work: two silent members of three
 * (an abstaining ring, or members paid for silence) bought an acquittal.
 *
 * Now, when a tier-3 deadline passes with no majority:
 *  - every panel member without a verdict is slashed slash_no_verdict_bps
 *    (Offence NO_VERDICT; seed 002 §10.2 slashes "lazy validation"), once per
 *    dispute, and leaves the panel for good;
 *  - the dispute is re-drawn: the members who judged keep their verdicts and
 *    the no-shows are replaced by a fresh stake-weighted draw (from the next
 *    block hash, excluding the parties, the sitting panel and every earlier
 *    no-show), with a new deadline of tier3_deadline_blocks. A panel split
 *    with nobody silent draws one extra member to break the tie;
 *  - after tier3_max_rounds panels (or with nobody left to draw) it ends
 *    UNDECIDED, and undecided is never an acquittal (disputes.ts): a protocol
 *    mismatch dispute leaves the submission MISMATCHED (unpaid), a user
 *    challenge refunds the bond and leaves the submission as it was.
 *
 * The seeds are silent on re-draws and on the rate; both are governance
 * parameters, and settleDelay (windows.ts) leaves room for every round.
 */
import { Offence, Role } from "../../gen/remes/v1/types_pb.ts";
import type { BlockContext } from "../context.ts";
import { type Emit, event } from "../events.ts";
import { deriveSeed, sortition } from "../randomness.ts";
import { slash } from "../slashing.ts";
import { activeOfRole } from "../staking.ts";
import type { Dispute, State } from "../state.ts";

/** Members of the sitting panel without a verdict, sorted. */
export const noShowsOf = (d: Pick<Dispute, "panel" | "verdicts">): string[] =>
  [...new Set(d.panel)].filter((v) => !d.verdicts.has(v)).sort();

/**
 * At a tier-3 deadline without a majority: slashes the no-shows, then re-draws
 * the panel if a round is left. Returns whether the dispute goes on (false:
 * resolve it UNDECIDED).
 */
export const closePanelRound = (
  state: Readonly<State>,
  ctx: BlockContext,
  d: Dispute,
  parties: readonly string[],
  emit: Emit,
): boolean => {
  const p = state.params;
  const noShows = noShowsOf(d);
  for (const v of noShows) {
    const s = slash(
      state,
      v,
      Role.VALIDATOR,
      Offence.NO_VERDICT,
      `no_verdict/${d.id}/${v}`,
      p.slashNoVerdictBps,
    );
    if (s) emit(s);
  }
  const round = d.round ?? 1;
  if (round >= p.tier3MaxRounds) return false;
  const exclude = new Set([...parties, ...d.panel, ...(d.noShows ?? [])]);
  const candidates = activeOfRole(state, Role.VALIDATOR)
    .filter((v) => !exclude.has(v.address))
    .map((v) => ({ id: v.address, weight: v.stake }));
  const fresh = sortition(
    candidates,
    Math.max(noShows.length, 1),
    deriveSeed(ctx.blockHash, `remes/panel/round${round + 1}`, d.id),
  );
  if (fresh.length === 0) return false;
  const kept = [...new Set(d.panel)].filter((v) => d.verdicts.has(v));
  emit(
    event("panelRedrawn", {
      disputeId: d.id,
      round: round + 1,
      panel: [...kept, ...fresh],
      deadline: ctx.height + p.tier3DeadlineBlocks,
      noShows,
    }),
  );
  return true;
};
