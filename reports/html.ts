/**
 * The report's page: one self-contained HTML file (inline CSS and SVG, no
 * script, no external reference), deterministic for the same data (no
 * timestamps), readable printed or offline.
 */
export const esc = (v: unknown): string =>
  String(v)
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");

/** Integers with thousands separators, decimals to 2 places; null as an em dash. */
export const fmt = (v: unknown): string => {
  if (v === null || v === undefined) return "—";
  if (typeof v === "bigint") return v.toLocaleString("en-US");
  if (typeof v === "number")
    return Number.isInteger(v)
      ? v.toLocaleString("en-US")
      : v.toLocaleString("en-US", { maximumFractionDigits: 2, minimumFractionDigits: 2 });
  return String(v);
};

export interface Column {
  readonly key: string;
  readonly label: string;
  /** Render the cell as raw HTML (already escaped), e.g. a link. */
  readonly html?: (row: Record<string, unknown>) => string;
  readonly numeric?: boolean;
}

export const table = (
  columns: readonly Column[],
  rows: readonly Record<string, unknown>[],
  caption?: string,
): string => {
  const head = columns
    .map((c) => `<th${c.numeric ? ' class="num"' : ""}>${esc(c.label)}</th>`)
    .join("");
  const body = rows
    .map(
      (r) =>
        `<tr>${columns.map((c) => `<td${c.numeric ? ' class="num"' : ""}>${c.html ? c.html(r) : esc(fmt(r[c.key]))}</td>`).join("")}</tr>`,
    )
    .join("\n");
  return `<div class="wide"><table>${caption ? `<caption>${esc(caption)}</caption>` : ""}<thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
};

/** A two-column table of a flat or nested JSON object (nested keys joined with dots). */
export const keyValueTable = (value: unknown, caption?: string): string => {
  const rows: { key: string; value: string }[] = [];
  const walk = (prefix: string, v: unknown) => {
    if (v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length > 0) {
      for (const k of Object.keys(v).sort())
        walk(prefix ? `${prefix}.${k}` : k, (v as Record<string, unknown>)[k]);
    } else rows.push({ key: prefix, value: typeof v === "string" ? v : JSON.stringify(v) });
  };
  walk("", value);
  return table(
    [
      { key: "key", label: "Name" },
      { key: "value", label: "Value" },
    ],
    rows,
    caption,
  );
};

const CSS = `
:root { color-scheme: light; --fg: #1f2328; --muted: #57606a; --line: #d0d7de; --bg2: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 920px; padding: 24px 28px 48px; color: var(--fg); background: #fff;
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
.lede { color: var(--muted); margin: 0 0 16px; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; word-break: break-all; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; font-size: 12.5px; }
.wide { overflow-x: auto; }
caption { text-align: left; color: var(--muted); padding: 4px 0; }
th, td { border: 1px solid var(--line); padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: var(--bg2); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
tbody tr:nth-child(even) { background: #fbfcfd; }
figure { margin: 24px 0 8px; padding: 12px 12px 4px; border: 1px solid var(--line); border-radius: 6px; break-inside: avoid; }
figure h2 { font-size: 16px; margin: 0 0 2px; padding: 0; border: 0; }
figure [class*="-swatches"] { font-size: 12px; }
figure h3 { font-size: 13px; font-weight: 400; color: var(--muted); margin: 0 0 8px; }
figure figcaption { color: var(--muted); font-style: italic; }
details > summary { cursor: pointer; color: var(--muted); margin: 8px 0; }
.violation { color: #b2182b; font-weight: 600; }
ul.verdicts { padding-left: 20px; } ul.verdicts li.pays { color: #1b7837; } ul.verdicts li.loses { color: #b2182b; } ul.verdicts li.unsure { color: var(--muted); }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
`;

export interface Page {
  readonly title: string;
  readonly lede: string;
  readonly sections: readonly {
    readonly id: string;
    readonly title: string;
    readonly html: string;
  }[];
  readonly footer: string;
}

export const page = (p: Page): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(p.title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${esc(p.title)}</h1>
<p class="lede">${p.lede}</p>
</header>
${p.sections.map((s) => `<section id="${esc(s.id)}">\n<h2>${esc(s.title)}</h2>\n${s.html}\n</section>`).join("\n")}
<footer>${p.footer}</footer>
</body>
</html>
`;

/** A JSON column (config, params, sweep point) as an object; anything else as {}. */
export const parseJsonObject = (json: unknown): Record<string, unknown> => {
  try {
    const v = JSON.parse(String(json ?? "{}"));
    return v !== null && typeof v === "object" ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
};
