// Runs one canonical training step in a worker thread and posts its gradient hash.
import { parentPort } from "node:worker_threads";
import { stepGradientHash } from "./determinism-fixture.ts";

parentPort!.postMessage(stepGradientHash());
