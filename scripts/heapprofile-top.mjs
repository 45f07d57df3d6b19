// Top allocation sites of a V8 sampling heap profile (.heapprofile: bench:app's BENCH_APP_HEAP_PROFILE,
// or one saved from DevTools):
//
//   node scripts/heapprofile-top.mjs FILE [N]
//   node scripts/heapprofile-top.mjs FILE --tree REGEX [DEPTH]   what the functions named REGEX allocate, by callee
//
// Self bytes by function (where the allocation happened) and inclusive bytes (the function and its callees).
// With collected objects included, the figures are what was allocated, not what stayed live.
import * as fs from "node:fs";

const [file, arg = "40", depthArg = "4"] = process.argv.slice(2);
const tree =
  arg === "--tree" ? new RegExp(depthArg === "4" ? process.argv[4] : process.argv[4]) : undefined;
const n = tree ? "40" : arg;
if (!file) {
  process.stderr.write("usage: node scripts/heapprofile-top.mjs FILE [N]\n");
  process.exit(2);
}
const { head } = JSON.parse(fs.readFileSync(file, "utf8"));
const where = (url) => url.replace(/^file:\/\//, "").replace(/^.*\/(src|node_modules)\//, "$1/");
const name = (f) => `${f.functionName || "(anonymous)"} ${where(f.url)}:${f.lineNumber + 1}`;
const self = new Map();
const incl = new Map();
let total = 0;
const walk = (node, stack) => {
  const key = name(node.callFrame);
  const bytes = node.selfSize;
  total += bytes;
  self.set(key, (self.get(key) ?? 0) + bytes);
  const seen = new Set(stack);
  seen.add(key);
  node.sum = bytes;
  for (const c of node.children) walk(c, [...seen]);
  for (const c of node.children) node.sum += c.sum;
  if (!stack.includes(key)) incl.set(key, (incl.get(key) ?? 0) + node.sum);
};
walk(head, []);
const show = (title, m) => {
  console.log(`\n== ${title} (${(total / 2 ** 20).toFixed(1)} MB sampled)`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, Number(n)))
    console.log(
      `${((100 * v) / total).toFixed(1).padStart(5)}% ${(v / 2 ** 20).toFixed(1).padStart(8)} MB  ${k}`,
    );
};
show("self, by function", self);
show("inclusive, by function", incl);

if (tree) {
  // Merge the subtrees rooted at every frame matching REGEX (outermost only), by callee name.
  const merged = { name: String(tree), sum: 0, children: new Map() };
  const add = (into, node, depth) => {
    into.sum += node.sum;
    if (depth === 0) return;
    for (const c of node.children) {
      const key = name(c.callFrame);
      let m = into.children.get(key);
      if (!m) into.children.set(key, (m = { name: key, sum: 0, children: new Map() }));
      add(m, c, depth - 1);
    }
  };
  const depth = Number(process.argv[5] ?? 4);
  const find = (node) => {
    if (tree.test(node.callFrame.functionName)) return add(merged, node, depth);
    for (const c of node.children) find(c);
  };
  find(head);
  const print = (m, indent) => {
    console.log(
      `${((100 * m.sum) / total).toFixed(1).padStart(5)}% ${(m.sum / 2 ** 20).toFixed(1).padStart(8)} MB  ${indent}${m.name}`,
    );
    for (const c of [...m.children.values()].sort((a, b) => b.sum - a.sum))
      if (c.sum / total > 0.003) print(c, indent + "  ");
  };
  print(merged, "");
}
