/** Events as tables: chosen columns, or every attribute (`type`, then key = value pairs). */
import { type Child, h, table } from "../dom.ts";
import type { ChainEvent } from "../events.ts";
import { atHeight, type Column, value } from "../common.ts";

export const eventTable = (
  events: readonly ChainEvent[],
  columns: readonly Column[],
  opts: { readonly empty?: string; readonly testid?: string; readonly limit?: number } = {},
): HTMLElement =>
  table(
    columns.map(([label]) => label),
    events.slice(0, opts.limit ?? 200).map((e) => columns.map(([, cell]) => cell(e))),
    opts,
  );

/** Every attribute of an event, `key = value` in its order. */
export const attrsCell = (e: { readonly attrs: Readonly<Record<string, string>> }): Child =>
  h(
    "span",
    { class: "attrs" },
    ...Object.entries(e.attrs).map(([k, v]) =>
      h("span", { class: "attr" }, h("b", {}, k), " ", value(k, v)),
    ),
  );

export const anyEvents = (
  events: readonly ChainEvent[],
  opts: { readonly testid?: string } = {},
): HTMLElement =>
  eventTable(events, [atHeight, ["event", (e) => e.type], ["attributes", attrsCell]], opts);
