// Worker-thread entry of the fan-out (fanout.ts): registers tsx so the
// TypeScript sources run as they are, then starts the worker loop.
import { register } from "tsx/esm/api";

register();
await import("./worker.ts");
