/**
 * Governance-approved kernel versions. Tier 1 compares hashes within a
 * (shard, GPU architecture, kernel version) group (verification/tier1.ts):
 * were the version free text, a miner could declare one nobody else uses and
 * stand alone in its group, never compared (issue 13). So a submission may
 * only declare a version in `state.kernelVersions`: the genesis list (empty:
 * the defaults below), changed by a passed KernelVersionApprovalProposal that
 * approves or withdraws one, like datasets. The set is bounded by
 * max_kernel_versions, so each version's group stays populated and state small.
 */
import { fail, type ProtocolError } from "./errors.ts";
import type { EventOf } from "./events.ts";
import type { State } from "./state.ts";

/**
 * Every version the runtimes submit: the simulator's backend (actors/backend.ts
 * SimBackend, "sim/1") and the real BitNet CPU kernels the node's daemons run
 * (kernels/backend.ts KERNEL_VERSION). test/protocol/verification/isolation.test.ts checks both.
 */
export const DEFAULT_KERNEL_VERSIONS: readonly string[] = ["bitnet-cpu/1", "sim/1"];

export const checkKernelVersion = (
  state: Readonly<State>,
  kernelVersion: string,
): ProtocolError | undefined => {
  const p = state.params;
  if (kernelVersion.length === 0 || kernelVersion.length > p.maxKernelVersionLength) {
    return fail(
      "invalidMessage",
      `kernel_version must be 1..${p.maxKernelVersionLength} characters`,
    );
  }
  if (!state.kernelVersions.has(kernelVersion)) {
    return fail(
      "invalidMessage",
      `kernel_version "${kernelVersion}" is not approved (approved: ${[...state.kernelVersions].sort().join(", ")}); a KernelVersionApprovalProposal adds one`,
    );
  }
  return undefined;
};

/** Checks a KernelVersionApprovalProposal against the current set (at submission and again when it executes). */
export const checkKernelVersionProposal = (
  state: Readonly<State>,
  k: { kernelVersion: string; approved: boolean },
): ProtocolError | undefined => {
  const v = k.kernelVersion;
  const p = state.params;
  if (v.length === 0 || v.length > p.maxKernelVersionLength)
    return fail(
      "invalidMessage",
      `kernel_version must be 1..${p.maxKernelVersionLength} characters`,
    );
  if (!k.approved)
    return state.kernelVersions.has(v)
      ? undefined
      : fail("notFound", `kernel version ${v} is not approved`);
  if (state.kernelVersions.has(v))
    return fail("alreadyExists", `kernel version ${v} is already approved`);
  if (state.kernelVersions.size >= p.maxKernelVersions) {
    return fail(
      "invalidMessage",
      `${state.kernelVersions.size} kernel versions are approved, max_kernel_versions is ${p.maxKernelVersions}: withdraw one first`,
    );
  }
  return undefined;
};

/** The genesis list, or the defaults when it is empty. */
export const genesisKernelVersions = (
  listed: readonly string[],
  maxLength: number,
  max: number,
): Set<string> | ProtocolError => {
  const versions = listed.length > 0 ? listed : DEFAULT_KERNEL_VERSIONS;
  const set = new Set(versions);
  if (set.size !== versions.length)
    return fail("duplicate", "genesis lists a kernel version twice");
  if (set.size > max)
    return fail(
      "invalidMessage",
      `genesis lists ${set.size} kernel versions, max_kernel_versions is ${max}`,
    );
  for (const v of set)
    if (v.length === 0 || v.length > maxLength)
      return fail(
        "invalidMessage",
        `genesis kernel version "${v.slice(0, 80)}" must be 1..${maxLength} characters`,
      );
  return set;
};

export const evolveKernelVersionApproved = (
  state: State,
  e: EventOf<"kernelVersionApproved">,
): void => {
  if (e.approved) state.kernelVersions.add(e.kernelVersion);
  else state.kernelVersions.delete(e.kernelVersion);
};
