/**
 * A small YAML emitter for the JSON-shaped documents the CLI writes
 * (Kubernetes manifests): maps, lists, strings, numbers, booleans, null.
 * Deterministic (keys in insertion order), no anchors or tags. Strings that
 * could read as anything but a string are double-quoted (a JSON string is a
 * valid YAML double-quoted scalar); multi-line strings become literal blocks
 * so a ConfigMap's file stays readable. Kept here rather than taking a YAML
 * library as a runtime dependency for this one writer.
 */
/** A JSON-shaped value (objects' undefined fields are left out, as JSON.stringify does). */
export type YamlValue = unknown;

/** Plain scalars that YAML 1.1 or 1.2 would read as something other than a string. */
const RESERVED =
  /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const NUMBERISH = /^[-+.]?[0-9]/;
const PLAIN = /^[A-Za-z_/.$(][A-Za-z0-9_./$()-]*$/;

const plainOk = (s: string): boolean => PLAIN.test(s) && !RESERVED.test(s) && !NUMBERISH.test(s);

/** A literal block fits when no line has a tab or control character and the first line does not start with a space. */
const blockOk = (s: string): boolean =>
  s.includes("\n") &&
  !/[\t\r\u0000-\u0008\u000b-\u001f\u007f]/.test(s) &&
  !s.startsWith(" ") &&
  !s.startsWith("\n");

type Scalar = string | number | boolean | null;

const scalar = (v: Scalar): string => {
  if (v === null) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new Error(`yaml: ${v} is not a finite number`);
    return String(v);
  }
  return plainOk(v) ? v : JSON.stringify(v);
};

const key = (k: string): string => (plainOk(k) ? k : JSON.stringify(k));

const isScalar = (v: unknown): v is Scalar => {
  if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean")
    return true;
  if (typeof v === "object") return false;
  throw new Error(`yaml: a ${typeof v} is not a JSON value`);
};

const block = (s: string, indent: string): string => {
  const trailing = s.length - s.replace(/\n+$/, "").length;
  const chomp = trailing === 0 ? "-" : trailing === 1 ? "" : "+";
  const body = (trailing > 1 ? s.slice(0, -1) : trailing === 1 ? s.slice(0, -1) : s)
    .split("\n")
    .map((l) => (l === "" ? "" : indent + l));
  return `|${chomp}\n${body.join("\n")}`;
};

const emit = (v: unknown, indent: string): string => {
  if (isScalar(v)) return typeof v === "string" && blockOk(v) ? block(v, indent) : scalar(v);
  if (Array.isArray(v)) {
    if (v.length === 0) return "[]";
    return (v as readonly unknown[])
      .map((item) => {
        if (isScalar(item)) return `${indent}- ${emit(item, `${indent}  `)}`;
        const inner = emit(item, `${indent}  `);
        if (inner === "[]" || inner === "{}") return `${indent}- ${inner}`;
        // The item's first line goes after the dash.
        return `${indent}- ${inner.slice(indent.length + 2)}`;
      })
      .join("\n");
  }
  const entries = Object.entries(v as Record<string, unknown>).filter(
    ([, item]) => item !== undefined,
  );
  if (entries.length === 0) return "{}";
  return entries
    .map(([k, item]) => {
      if (isScalar(item)) return `${indent}${key(k)}: ${emit(item, `${indent}  `)}`;
      const inner = emit(item, Array.isArray(item) ? indent : `${indent}  `);
      if (inner === "[]" || inner === "{}") return `${indent}${key(k)}: ${inner}`;
      return `${indent}${key(k)}:\n${inner}`;
    })
    .join("\n");
};

/** One YAML document per value, separated by `---`. */
export const toYaml = (...docs: readonly YamlValue[]): string =>
  docs.map((d) => `${emit(d, "")}\n`).join("---\n");
