/** Hash routes (`#/window/3?depth=1000`) → a view and its parameters. */
import type { View } from "./common.ts";
import { address } from "./views/address.ts";
import { block } from "./views/block.ts";
import { governance } from "./views/governance.ts";
import { home } from "./views/home.ts";
import { aggregations, disputes, rewards, slashes, traps } from "./views/protocol.ts";
import { tx } from "./views/tx.ts";
import { windows, windowView } from "./views/windows.ts";

export const VIEWS: Readonly<Record<string, View>> = {
  "": home,
  block,
  tx,
  windows,
  window: windowView,
  disputes,
  traps,
  aggregations,
  slashes,
  rewards,
  governance,
  address,
};

/** The menu: route and label. */
export const NAV: readonly (readonly [string, string])[] = [
  ["", "Chain"],
  ["windows", "Windows"],
  ["disputes", "Disputes"],
  ["traps", "Traps"],
  ["aggregations", "Aggregations"],
  ["slashes", "Slashes"],
  ["rewards", "Rewards"],
  ["governance", "Governance"],
];

export interface Route {
  readonly view: View | undefined;
  readonly name: string;
  readonly params: string[];
  readonly query: URLSearchParams;
}

export const parseRoute = (hash: string): Route => {
  const h = hash.replace(/^#\/?/, "");
  const q = h.indexOf("?");
  const path = q < 0 ? h : h.slice(0, q);
  const [name = "", ...params] = path.split("/").map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
  return {
    view: Object.hasOwn(VIEWS, name) ? VIEWS[name] : undefined,
    name,
    params,
    query: new URLSearchParams(q < 0 ? "" : h.slice(q + 1)),
  };
};
