/**
 * Monte Carlo and sweep fan-out over worker threads (node:worker_threads).
 * Runs are handed to idle workers one at a time; each run is deterministic
 * by its seed, and results come back in the order of the specs, so the
 * output does not depend on the thread count or on scheduling.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { RunResult } from "./run.ts";
import type { RunSpec } from "./scenario.ts";

/**
 * What a worker sends back: the run's result without its genesis and keys
 * (the genesis of a 1,000-miner scenario is most of a result; kept for
 * 1,000 seeds it was most of the main thread's memory).
 */
export type FanOutResult = Omit<RunResult, "genesis" | "keys">;

export interface FanOutOptions {
  /** Worker threads (default: the machine's parallelism, at most the number of runs). */
  readonly threads?: number;
  /** Override each run's block count. */
  readonly blocks?: number;
  /**
   * Absolute path of a module exporting `makeSink(spec: RunSpec, index: number, data: unknown): RunSink | Promise<RunSink>`,
   * loaded in each worker, and optionally `finishWorker(): Promise<void>`, called in each worker after its last run.
   */
  readonly sinkModule?: string;
  /** Structured-cloneable data handed to every `makeSink` call (e.g. an output folder). */
  readonly sinkData?: unknown;
  /** Called as each run finishes (in completion order). */
  readonly onResult?: (index: number, result: FanOutResult) => void;
}

const entry = new URL("./worker.mjs", import.meta.url);

export const runMany = async (
  specs: readonly RunSpec[],
  opts: FanOutOptions = {},
): Promise<FanOutResult[]> => {
  const threads = Math.max(1, Math.min(opts.threads ?? availableParallelism(), specs.length));
  const results = new Array<FanOutResult>(specs.length);
  let next = 0;
  const work = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const worker = new Worker(entry, {
        workerData: { sinkModule: opts.sinkModule, sinkData: opts.sinkData },
      });
      let failed = false;
      const feed = () => {
        if (next >= specs.length) {
          worker.postMessage(null);
          return;
        }
        const index = next++;
        worker.postMessage({
          index,
          spec: specs[index],
          ...(opts.blocks !== undefined ? { blocks: opts.blocks } : {}),
        });
      };
      worker.on(
        "message",
        (m: { index: number; result?: FanOutResult; error?: string; done?: true }) => {
          if (m.done) return;
          if (m.error !== undefined) {
            failed = true;
            void worker.terminate();
            reject(
              new Error(
                m.index < 0
                  ? `a worker failed after its last run: ${m.error}`
                  : `run ${m.index} (seed ${specs[m.index]!.seed}) failed in a worker: ${m.error}`,
              ),
            );
            return;
          }
          results[m.index] = m.result!;
          opts.onResult?.(m.index, m.result!);
          feed();
        },
      );
      worker.on("error", (e) => {
        failed = true;
        reject(e);
      });
      worker.on("exit", () => {
        if (!failed) resolve();
      });
      feed();
    });
  await Promise.all(Array.from({ length: threads }, work));
  return results;
};
