/**
 * Stable lower-case names for the protocol's enums and a run's identity, as
 * they appear in tables and reports (`lazy_mining`, not 3).
 */
import {
  DisputeOutcome,
  DisputeSubject,
  RewardKind,
  SubmissionStatus,
} from "../../gen/remes/v1/events_pb.ts";
import { GpuArch, Offence, Role } from "../../gen/remes/v1/types_pb.ts";

const lower = (e: Record<number, string>, v: number): string =>
  e[v]?.toLowerCase() ?? `unknown_${v}`;

export const offenceName = (v: Offence): string => lower(Offence, v);
export const roleName = (v: Role): string => lower(Role, v);
export const rewardKindName = (v: RewardKind): string => lower(RewardKind, v);
export const statusName = (v: SubmissionStatus): string => lower(SubmissionStatus, v);
export const outcomeName = (v: DisputeOutcome): string => lower(DisputeOutcome, v);
export const subjectName = (v: DisputeSubject): string => lower(DisputeSubject, v);
export const gpuArchName = (v: GpuArch): string => lower(GpuArch, v);

/** A sweep point's coordinates, e.g. { trap_rate_bps: 1000 }. */
export type SweepPoint = Readonly<Record<string, string | number | boolean>>;

/**
 * A run's key in every table: scenario, seed and sweep point, readable and
 * deterministic (`lazy-10/seed=3/trap_rate_bps=1000`); keys sorted.
 */
export const runIdOf = (scenario: string, seed: number, sweepPoint: SweepPoint = {}): string => {
  const point = Object.keys(sweepPoint)
    .sort()
    .map((k) => `${k}=${String(sweepPoint[k])}`);
  return [scenario, `seed=${seed}`, ...point].join("/");
};
