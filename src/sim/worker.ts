/**
 * The worker side of the fan-out: receives one run at a time, runs it with
 * `runScenario` (deterministic by its seed, so which thread runs it does not
 * matter), and posts the result back. A sink module, when given, is loaded
 * here and its `makeSink(run)` builds each run's sink inside the worker; its
 * `finishWorker()`, if it has one, runs after the last run.
 */
import { parentPort, workerData } from "node:worker_threads";
import { pathToFileURL } from "node:url";
import { runScenario } from "./run.ts";
import type { RunSpec } from "./scenario.ts";
import type { RunSink } from "./sink.ts";

interface Job {
  readonly index: number;
  readonly spec: RunSpec;
  readonly blocks?: number;
}

const port = parentPort;
if (!port) throw new Error("worker.ts runs inside a worker thread (see fanout.ts)");

const { sinkModule, sinkData } = (workerData ?? {}) as { sinkModule?: string; sinkData?: unknown };
const sinks: {
  makeSink?: (spec: RunSpec, index: number, data: unknown) => RunSink | Promise<RunSink>;
  finishWorker?: () => Promise<void>;
} = sinkModule ? await import(pathToFileURL(sinkModule).href) : {};
const makeSink = sinks.makeSink;

port.on("message", async (job: Job | null) => {
  if (job === null) {
    try {
      await sinks.finishWorker?.();
      port.postMessage({ done: true });
    } catch (e) {
      port.postMessage({
        index: -1,
        error: e instanceof Error ? `${e.message}\n${e.stack ?? ""}` : String(e),
      });
    }
    port.close();
    return;
  }
  try {
    const sink = makeSink ? await makeSink(job.spec, job.index, sinkData) : undefined;
    const result = await runScenario(job.spec.scenario, {
      seed: job.spec.seed,
      overrides: job.spec.overrides,
      ...(job.spec.source ? { source: job.spec.source } : {}),
      ...(sink ? { sink } : {}),
      ...(job.blocks !== undefined ? { blocks: job.blocks } : {}),
    });
    const { genesis: _genesis, keys: _keys, ...sent } = result;
    port.postMessage({ index: job.index, result: sent });
  } catch (e) {
    port.postMessage({
      index: job.index,
      error: e instanceof Error ? `${e.message}\n${e.stack ?? ""}` : String(e),
    });
  }
});
