/** Pieces the views share: an event's attributes as cells, with addresses, windows and heights linked. */
import { type Child, h, link } from "./dom.ts";
import type { ChainEvent, EventStore } from "./events.ts";
import { enumName, grouped, isAddress, list, micro, remes, short } from "./format.ts";

export interface ViewContext {
  readonly params: readonly string[];
  readonly query: URLSearchParams;
  readonly store: EventStore;
  /** Wall clock for "ago" (a parameter so tests can fix it). */
  readonly now: number;
}

export interface View {
  readonly title: string;
  /** Re-rendered on each new block. */
  readonly live: boolean;
  readonly render: (c: ViewContext) => Promise<Node>;
}

export const addr = (a: string | undefined): Child =>
  a && isAddress(a) ? h("a", { href: `#/address/${a}`, title: a }, short(a, 12, 6)) : (a ?? "");

export const heightLink = (h: number | string): Child => link(`block/${h}`, grouped(h));
export const windowLink = (w: string | number | undefined): Child =>
  w === undefined ? "" : link(`window/${w}`, String(w));

const ENUM_PREFIXES = [
  "REWARD_KIND_",
  "SUBMISSION_STATUS_",
  "DISPUTE_SUBJECT_",
  "DISPUTE_OUTCOME_",
  "AGGREGATION_FAULT_",
  "AGGREGATION_METHOD_",
  "PROPOSAL_STATUS_",
  "BOND_DESTINATION_",
  "ROLE_",
  "GPU_ARCH_",
  "VOTE_OPTION_",
  "OFFENCE_",
];

/** An enum value by name without its enum's prefix: `ROLE_MINER` → `miner`. */
export const enumLabel = (v: string): string => {
  const p = ENUM_PREFIXES.find((x) => v.startsWith(x));
  return p ? enumName(v, p) : v;
};

const AMOUNT_KEYS =
  /^(amount|stake|bond|refund|burned|minted|fees|deposit|toWinner|toCommunity|toBeneficiary|balance)$/;

/** One attribute's value as a cell: addresses and address lists linked, amounts in REMES, losses in units. */
export const value = (key: string, v: string | undefined): Child => {
  if (v === undefined) return "";
  if (isAddress(v)) return addr(v);
  if (key === "window") return windowLink(v);
  if (key === "height" || key.endsWith("Height") || key === "deadline")
    return /^[0-9]+$/.test(v) ? heightLink(v) : v;
  if (AMOUNT_KEYS.test(key) && /^[0-9]+$/.test(v)) return remes(v);
  if (key.endsWith("LossMicro")) return micro(v);
  if (v.startsWith("[")) {
    const items = list(v);
    if (items.length > 0 && items.every(isAddress))
      return h(
        "span",
        { class: "addrs" },
        ...items.flatMap((a, i) => [i > 0 ? ", " : "", addr(a)]),
      );
    return items.join(", ");
  }
  if (/^[A-Z][A-Z0-9_]+$/.test(v)) return enumLabel(v);
  return v.length > 80 ? short(v, 40, 12) : v;
};

/** A column of events: its label and how a cell is made. */
export type Column = readonly [string, (e: ChainEvent) => Child];

export const col = (key: string, label = key): Column => [label, (e) => value(key, e.attrs[key])];
export const atHeight: Column = ["height", (e) => heightLink(e.height)];
