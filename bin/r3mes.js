#!/usr/bin/env node
// The `r3mes` command: registers tsx so Node runs the TypeScript sources
// directly (nothing is compiled ahead of time), then starts the CLI.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
