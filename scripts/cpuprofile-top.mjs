// Top items of a V8 .cpuprofile (node --cpu-prof; `BENCH_PROFILE=DIR npm run bench:node`
// writes one per node process, the app's the largest):
//
//   node scripts/cpuprofile-top.mjs FILE [N]           self and inclusive time by function and by file
//   node scripts/cpuprofile-top.mjs FILE --tree REGEX  the callees of the functions named REGEX, merged by name
//
// Times are sampled wall time while the thread ran JavaScript, natives or GC ("(idle)" apart): on a
// loaded host they are inflated against CPU time, so compare shares, not milliseconds, across runs.
import * as fs from "node:fs";

const [file, ...rest] = process.argv.slice(2);
if (!file) {
  process.stderr.write(
    "usage: node scripts/cpuprofile-top.mjs FILE [N] | FILE --tree REGEX [DEPTH]\n",
  );
  process.exit(2);
}
const profile = JSON.parse(fs.readFileSync(file, "utf8"));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
/** Sampled microseconds per node id. */
const selfUs = new Map();
profile.samples.forEach((id, i) =>
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0)),
);
let total = 0;
for (const v of selfUs.values()) total += v;
const where = (url) => url.replace(/^file:\/\//, "").replace(/^.*\/(src|node_modules)\//, "$1/");
const fn = (n) => n.callFrame.functionName || "(anonymous)";
const fnKey = (n) => `${fn(n)} ${where(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
const fileKey = (n) => where(n.callFrame.url) || fn(n);
const pct = (us) =>
  `${((100 * us) / total).toFixed(1).padStart(5)}% ${(us / 1000).toFixed(0).padStart(7)} ms`;

if (rest[0] === "--tree") {
  const re = new RegExp(rest[1] ?? ".");
  const depth = Number(rest[2] ?? 5);
  const inclusive = new Map();
  const inc = (id) => {
    if (inclusive.has(id)) return inclusive.get(id);
    let t = selfUs.get(id) ?? 0;
    for (const c of byId.get(id).children ?? []) t += inc(c);
    inclusive.set(id, t);
    return t;
  };
  const root = { t: 0, kids: new Map() };
  const merge = (id, into, d) => {
    into.t += inc(id);
    if (d >= depth) return;
    for (const c of byId.get(id).children ?? []) {
      const k = fn(byId.get(c));
      if (!into.kids.has(k)) into.kids.set(k, { t: 0, kids: new Map() });
      merge(c, into.kids.get(k), d + 1);
    }
  };
  const find = (id) => {
    if (re.test(fn(byId.get(id)))) merge(id, root, 0);
    else for (const c of byId.get(id).children ?? []) find(c);
  };
  find(profile.nodes[0].id);
  const print = (node, name, indent) => {
    if ((100 * node.t) / total < 0.3) return;
    console.log(`${pct(node.t)}  ${"  ".repeat(indent)}${name}`);
    [...node.kids].sort((a, b) => b[1].t - a[1].t).forEach(([k, v]) => print(v, k, indent + 1));
  };
  print(root, rest[1], 0);
} else {
  const n = Number(rest[0] ?? 30);
  const self = new Map();
  const incl = new Map();
  const fileSelf = new Map();
  const fileIncl = new Map();
  const add = (m, k, v) => m.set(k, (m.get(k) ?? 0) + v);
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    add(self, fnKey(node), us);
    add(fileSelf, fileKey(node), us);
    const seen = new Set();
    const seenFiles = new Set();
    for (let x = id; x !== undefined; x = parent.get(x)) {
      const m = byId.get(x);
      if (!seen.has(fnKey(m))) (add(incl, fnKey(m), us), seen.add(fnKey(m)));
      if (!seenFiles.has(fileKey(m))) (add(fileIncl, fileKey(m), us), seenFiles.add(fileKey(m)));
    }
  }
  const show = (title, m) => {
    console.log(`\n== ${title} (${(total / 1e6).toFixed(2)} s sampled)`);
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .forEach(([k, v]) => console.log(`${pct(v)}  ${k}`));
  };
  show("self, by function", self);
  show("inclusive, by function", incl);
  show("self, by file", fileSelf);
  show("inclusive, by file", fileIncl);
}
