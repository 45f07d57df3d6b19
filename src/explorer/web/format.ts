/** Pure formatting of chain values for the pages (tested without a browser). */

/** `1234567` → `"1,234,567"` (digits grouped; any length: uremes are 64-bit). */
export const grouped = (n: string | number | bigint): string => {
  const s = String(n);
  const m = /^(-?)([0-9]+)$/.exec(s);
  if (!m) return s;
  return m[1]! + m[2]!.replace(/\B(?=([0-9]{3})+(?![0-9]))/g, ",");
};

/** uremes → `"1,234.5 REMES"` (6 decimals, trailing zeros dropped); exact, through bigint. */
export const remes = (uremes: string | number | bigint): string => {
  let v: bigint;
  try {
    v = BigInt(uremes);
  } catch {
    return String(uremes);
  }
  const neg = v < 0n;
  if (neg) v = -v;
  const whole = v / 1_000_000n;
  const frac = (v % 1_000_000n).toString().padStart(6, "0").replace(/0+$/, "");
  return `${neg ? "-" : ""}${grouped(whole)}${frac ? `.${frac}` : ""} REMES`;
};

/** `remes1abcdef…` → `remes1abcd…wxyz`. */
export const short = (s: string, head = 10, tail = 6): string =>
  s.length <= head + tail + 1 ? s : `${s.slice(0, head)}…${s.slice(-tail)}`;

/** Seconds between two instants as "5s ago", "3m ago", "2h ago", "4d ago". */
export const ago = (iso: string, now: number): string => {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "";
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
};

/** `ROLE_MINER` → `miner`; `DISPUTE_OUTCOME_CHALLENGER_WON` → `challenger won` (the enum's prefix is named). */
export const enumName = (v: string, prefix: string): string =>
  v.startsWith(prefix) ? v.slice(prefix.length).toLowerCase().replace(/_/g, " ") : v;

/** A claimed loss in micro-units → "0.123456". */
export const micro = (v: string | undefined): string => {
  if (v === undefined || !/^[0-9]+$/.test(v)) return v ?? "";
  const b = BigInt(v);
  return `${b / 1_000_000n}.${(b % 1_000_000n).toString().padStart(6, "0")}`;
};

/** A JSON list attribute (`["a","b"]`) → its items as strings; anything else → []. */
export const list = (v: string | undefined): string[] => {
  if (v === undefined) return [];
  try {
    const x: unknown = JSON.parse(v);
    return Array.isArray(x) ? x.map(String) : [];
  } catch {
    return [];
  }
};

/** The look-back depth of `?depth=N` (default 500, 1 to 10,000). */
export const depthOf = (q: URLSearchParams, fallback = 500): number => {
  const v = q.get("depth");
  if (v === null || !/^[0-9]{1,6}$/.test(v)) return fallback;
  return Math.min(10_000, Math.max(1, Number(v)));
};

export const isAddress = (s: string): boolean => /^remes1[02-9ac-hj-np-z]{38,58}$/.test(s);
export const isTxHash = (s: string): boolean => /^[0-9A-Fa-f]{64}$/.test(s);

/** The search box: a height, a tx hash or an address → a route; undefined when it is none. */
export const routeOfSearch = (s: string): string | undefined => {
  const t = s.trim();
  if (/^[0-9]{1,15}$/.test(t)) return `block/${Number(t)}`;
  if (isTxHash(t)) return `tx/${t.toUpperCase()}`;
  if (isAddress(t)) return `address/${t}`;
  return undefined;
};
