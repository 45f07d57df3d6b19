#!/usr/bin/env node
// The `r3mes` command: registers tsx so Node runs the TypeScript sources
// directly (nothing is compiled ahead of time), then starts the CLI.
// `r3mes node start|app` go to a lean entry instead (src/node/main.ts), run
// from a bundle rebuilt whenever its sources change (bin/lean.js): the
// node's long-running process then loads only the node and the protocol,
// not the CLI framework nor the tsx loader (about 225 MB less resident
// memory). Anything that entry does not parse (e.g. --help) falls through
// to the full CLI.
const argv = process.argv.slice(2);
if (argv[0] === "node" && (argv[1] === "start" || argv[1] === "app")) {
  const { leanModule } = await import("./lean.js");
  const { leanNode } = await leanModule();
  const code = await leanNode(argv);
  if (code !== undefined) process.exit(code);
}
const { register } = await import("tsx/esm/api");
register();
await import("../src/cli/main.ts");
