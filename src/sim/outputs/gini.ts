/**
 * Stake concentration as a Gini coefficient in integer basis points, computed
 * with bigint arithmetic so a report never depends on float rounding:
 * G = (2·Σ i·x₍ᵢ₎ − (n+1)·Σx) / (n·Σx) over the values sorted ascending
 * (i from 1). 0 means equal stakes, 10,000 one holder of everything.
 */
export const giniBps = (values: readonly bigint[]): number => {
  const n = values.length;
  if (n === 0) return 0;
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let total = 0n;
  let weighted = 0n;
  for (let i = 0; i < n; i++) {
    const x = sorted[i]!;
    if (x < 0n) throw new RangeError(`giniBps: negative value ${x}`);
    total += x;
    weighted += BigInt(i + 1) * x;
  }
  if (total === 0n) return 0;
  const bn = BigInt(n);
  return Number(((2n * weighted - (bn + 1n) * total) * 10_000n) / (bn * total));
};
