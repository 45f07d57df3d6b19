/** Entry point of the `r3mes` command (loaded by bin/r3mes.js through tsx). */
import { NodeRuntime, NodeServices } from "@effect/platform-node";
import { Effect } from "effect";
import { cli } from "./app.ts";

cli.pipe(Effect.provide(NodeServices.layer), NodeRuntime.runMain);
