/**
 * A tiny DOM builder: `h("td", { class: "num" }, "12")`. Text is always a
 * text node (never parsed as HTML) and there is no `style` attribute (the
 * CSP allows none): what the chain says cannot become markup.
 */
export type Child = Node | string | number | bigint | null | undefined | false | readonly Child[];

export const h = (
  tag: string,
  attrs: Readonly<Record<string, string | undefined>> = {},
  ...children: Child[]
): HTMLElement => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined) continue;
    if (k === "style" || k.startsWith("on")) throw new Error(`dom.ts: no ${k} attributes`);
    e.setAttribute(k, v);
  }
  append(e, children);
  return e;
};

export const append = (e: Node, children: readonly Child[]): void => {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(e, c);
    else if (typeof c === "object") e.appendChild(c as Node);
    else e.appendChild(document.createTextNode(String(c)));
  }
};

/** A link within the app (hash routing). */
export const link = (route: string, ...children: Child[]): HTMLElement =>
  h("a", { href: `#/${route}` }, ...children);

/** A table: a header row and rows of cells; `empty` when there are no rows. */
export const table = (
  head: readonly string[],
  rows: readonly (readonly Child[])[],
  opts: { readonly empty?: string; readonly testid?: string } = {},
): HTMLElement =>
  rows.length === 0
    ? h(
        "p",
        { class: "muted", "data-testid": opts.testid },
        opts.empty ?? "None in the blocks looked at.",
      )
    : h(
        "table",
        { "data-testid": opts.testid },
        h("thead", {}, h("tr", {}, ...head.map((t) => h("th", {}, t)))),
        h("tbody", {}, ...rows.map((r) => h("tr", {}, ...r.map((c) => h("td", {}, c))))),
      );

/** Label/value pairs; each value carries `data-k` = its key for tests. */
export const facts = (pairs: readonly (readonly [string, string, Child])[]): HTMLElement =>
  h(
    "dl",
    { class: "facts" },
    ...pairs.map(([key, label, value]) => [h("dt", {}, label), h("dd", { "data-k": key }, value)]),
  );

export const section = (title: string, ...children: Child[]): HTMLElement =>
  h("section", {}, h("h2", {}, title), ...children);
