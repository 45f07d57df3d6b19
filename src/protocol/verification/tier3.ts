/**
 * Tier 3, CPU arbitration: a panel of tier3_panel_size validators, drawn by
 * stake-weighted sortition from the block hash (excluding the parties),
 * recomputes the work bit-exactly and votes; a majority of the panel decides,
 * and no majority by the deadline leaves the dispute undecided.
 */
import { Role } from "../../gen/remes/v1/types_pb.ts";
import type { CommandOf } from "../commands.ts";
import type { BlockContext } from "../context.ts";
import { fail, type ProtocolError } from "../errors.ts";
import { event, type ProtocolEvent } from "../events.ts";
import { deriveSeed, sortition } from "../randomness.ts";
import { activeOfRole } from "../staking.ts";
import type { State } from "../state.ts";

export const selectPanel = (state: Readonly<State>, ctx: BlockContext, disputeId: number, exclude: readonly string[]): string[] => {
  const candidates = activeOfRole(state, Role.VALIDATOR)
    .filter((v) => !exclude.includes(v.address))
    .map((v) => ({ id: v.address, weight: v.stake }));
  return sortition(candidates, state.params.tier3PanelSize, deriveSeed(ctx.blockHash, "remes/panel", disputeId));
};

export const decideSubmitArbitrationVerdict = (state: Readonly<State>, m: CommandOf<"submitArbitrationVerdict">, ctx: BlockContext): ProtocolEvent[] | ProtocolError => {
  const d = state.disputes.get(m.disputeId);
  if (!d) return fail("notFound", `dispute ${m.disputeId} is not open`);
  if (d.tier !== 3 || ctx.height > d.deadline) return fail("wrongPhase", `dispute ${m.disputeId} is not in tier-3 arbitration`);
  if (!d.panel.includes(m.validator)) return fail("notSelected", `${m.validator} is not on the panel of dispute ${m.disputeId} (${d.panel.join(", ")})`);
  if (d.verdicts.has(m.validator)) return fail("duplicate", `${m.validator} already gave a verdict on dispute ${m.disputeId}`);
  if (m.recomputedHash.length !== 0 && m.recomputedHash.length !== 32) return fail("invalidMessage", "recomputed_hash must be empty or 32 bytes");
  return [event("arbitrationVerdictCast", { disputeId: d.id, validator: m.validator, valid: m.valid })];
};
