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
export const EXPECTED_OTHER: readonly string[] = [];

export const expectedDefects = (): ReadonlySet<string> => new Set(EXPECTED_OTHER);
