/**
 * What a fuzz oracle reports: a defect class (a stable id, so a class can be
 * listed as known) and a message. The list of known, not yet fixed classes
 * lives here, in one place: a finding of a listed class is counted and
 * reported but does not fail a run (unless --strict).
 */
export interface Finding {
  /** Stable class id, "<target>.<what>", e.g. "tx.malleable-envelope". */
  readonly defect: string;
  readonly message: string;
}

export const finding = (defect: string, message: string): Finding => ({ defect, message });

/**
 * Known classes the fuzzers find on main: each needs its own fix
 * (see docs/fuzzing.md). Expected so CI stays green; a fix removes its line.
 */
export const EXPECTED_OTHER: readonly string[] = [
  "tx.gas-checktx-only", // CheckTx refuses a gas limit below the tx's gas, FinalizeBlock executes it: a proposer can include it
  "tx.ignored-fields", // timeout_height and extension options are parsed and ignored: a tx signed to expire does not
  "protocol.clone-per-tx", // applyTx copies the whole state for every multi-message tx: a block's work is txs × state size
];

export const expectedDefects = (): ReadonlySet<string> => new Set(EXPECTED_OTHER);
