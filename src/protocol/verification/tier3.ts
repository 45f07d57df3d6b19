/**
 * Tier 3, CPU arbitration: a panel of tier3_panel_size validators, drawn by
 * stake-weighted sortition from the block hash (excluding the parties),
 * recomputes the work bit-exactly and votes; a majority of the panel's stake
 * decides, and no majority by the deadline leaves the dispute undecided.
 *
 * For a gradient the verdict is not the member's say-so: it carries the hash
 * the member recomputed, and the chain compares it with the submission's
 * (seed 002 §4.4: exact hash matching, no tolerance; §10.2: a hash mismatch
 * is a slashing condition appealed by CPU verification). A loss vote can not
 * settle it: a stale or random update can carry a copied, correct loss.
 * Tier-1 mismatches open their disputes here directly (windows.ts).
 */
import { DisputeSubject } from "../../gen/remes/v1/events_pb.ts";
import { Role } from "../../gen/remes/v1/types_pb.ts";
import type { CommandOf } from "../commands.ts";
import type { BlockContext } from "../context.ts";
import { fail, type ProtocolError } from "../errors.ts";
import { event, type ProtocolEvent } from "../events.ts";
import { deriveSeed, sortition, type WeightedCandidate } from "../randomness.ts";
import { activeRolesSorted } from "../indexes.ts";
import { minStake } from "../staking.ts";
import { hex, type State } from "../state.ts";

export const selectPanel = (
  state: Readonly<State>,
  ctx: BlockContext,
  disputeId: number,
  exclude: readonly string[],
): string[] => {
  const candidates: WeightedCandidate[] = [];
  for (const v of activeRolesSorted(
    state.roles,
    Role.VALIDATOR,
    minStake(state.params, Role.VALIDATOR),
  ))
    if (!exclude.includes(v.address)) candidates.push({ id: v.address, weight: v.stake });
  return sortition(
    candidates,
    state.params.tier3PanelSize,
    deriveSeed(ctx.beacon, "remes/panel", disputeId),
  );
};

export const decideSubmitArbitrationVerdict = (
  state: Readonly<State>,
  m: CommandOf<"submitArbitrationVerdict">,
  ctx: BlockContext,
): ProtocolEvent[] | ProtocolError => {
  const d = state.disputes.get(Number(m.disputeId));
  if (!d) return fail("notFound", `dispute ${m.disputeId} is not open`);
  if (d.tier !== 3 || ctx.height > d.deadline)
    return fail("wrongPhase", `dispute ${m.disputeId} is not in tier-3 arbitration`);
  if (!d.panel.includes(m.validator))
    return fail(
      "notSelected",
      `${m.validator} is not on the panel of dispute ${m.disputeId} (${d.panel.join(", ")})`,
    );
  if (d.verdicts.has(m.validator))
    return fail("duplicate", `${m.validator} already gave a verdict on dispute ${m.disputeId}`);
  if (m.recomputedHash.length !== 0 && m.recomputedHash.length !== 32)
    return fail("invalidMessage", "recomputed_hash must be empty or 32 bytes");
  if (d.subject !== DisputeSubject.GRADIENT)
    return [
      event("arbitrationVerdictCast", {
        disputeId: d.id,
        validator: m.validator,
        valid: m.valid,
        recomputedHash: m.recomputedHash,
      }),
    ];
  const s = state.submissions.get(d.subjectId);
  if (!s) return fail("notFound", `submission ${d.subjectId} is gone`);
  if (m.recomputedHash.length !== 32)
    return fail(
      "invalidMessage",
      "a verdict on a gradient must carry the recomputed gradient hash (32 bytes)",
    );
  // Validity is decided here, by exact comparison (§4.4); a contradicting `valid` is a malformed verdict.
  const valid = hex(m.recomputedHash) === hex(s.gradientHash);
  if (m.valid !== valid)
    return fail(
      "invalidMessage",
      `valid=${m.valid} contradicts the recomputed hash (${valid ? "equal to" : "different from"} the submission's)`,
    );
  return [
    event("arbitrationVerdictCast", {
      disputeId: d.id,
      validator: m.validator,
      valid,
      recomputedHash: m.recomputedHash,
    }),
  ];
};

/** Opens the protocol's dispute over a tier-1 hash mismatch at tier 3 (no bond, no challenger). */
export const openTier3 = (
  state: Readonly<State>,
  ctx: BlockContext,
  submissionId: number,
  window: number,
  miner: string,
  disputeId: number,
): ProtocolEvent =>
  event("disputeOpened", {
    disputeId,
    subject: DisputeSubject.GRADIENT,
    subjectId: submissionId,
    window,
    challenger: "",
    bond: 0n,
    batchIndex: 0,
    tier: 3,
    deadline: ctx.height + state.params.tier3DeadlineBlocks,
    panel: selectPanel(state, ctx, disputeId, [miner]),
  });
