/**
 * r3mes kernels train|verify|hash|infer|serve — the training kernels by hand:
 * train a shard into an update file, check a file against a task by
 * recomputing it bit for bit, print a file's hashes, and run the trained
 * model (backbone + merged adapter) on onnxruntime, once or as a loopback
 * HTTP endpoint.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { Console, Effect, Option } from "effect";
import { Argument, Command, Flag } from "effect/cli";
import { GpuArch } from "../../gen/remes/v1/types_pb.ts";
import { contentId, decodeUpdate } from "../../kernels/adapter-file.ts";
import { fastTrainOptions, KernelBackend } from "../../kernels/backend.ts";
import { toHex } from "../../kernels/bytes.ts";
import { OrtModel } from "../../kernels/ort.ts";
import { complete, MAX_SERVE_TOKENS, serve } from "../../kernels/serve.ts";
import { applyDelta } from "../../kernels/train.ts";
import { defaultParams } from "../../protocol/params.ts";
import { deriveSeed } from "../../protocol/randomness.ts";
import { userFailure } from "../errors.ts";

const P = defaultParams();

const backendFlags = {
  seed: Flag.String("seed").pipe(
    Flag.withDescription(
      "Backend seed as text (its UTF-8 bytes): backbone, base adapters (default r3mes)",
    ),
    Flag.withDefault("r3mes"),
  ),
  worldSeed: Flag.String("world-seed").pipe(
    Flag.withDescription(
      "A testnet's world seed (64 hex chars, DIR/testnet.json): the backend seed its 'miner start --backend kernels' daemons use; overrides --seed",
    ),
    Flag.optional,
  ),
  totalShards: Flag.Int("total-shards").pipe(
    Flag.withDescription(
      `The chain's total_shards (which chunk a shard trains on; default ${P.totalShards})`,
    ),
    Flag.withDefault(P.totalShards),
  ),
  daChunkBytes: Flag.Int("da-chunk-bytes").pipe(
    Flag.withDescription(`The chain's da_chunk_bytes (DA Merkle root; default ${P.daChunkBytes})`),
    Flag.withDefault(P.daChunkBytes),
  ),
  steps: Flag.Int("steps").pipe(
    Flag.withDescription(`AdamW steps per task (default ${fastTrainOptions.steps})`),
    Flag.withDefault(fastTrainOptions.steps),
  ),
  batchTokens: Flag.Int("batch-tokens").pipe(
    Flag.withDescription(`Predictions per step (default ${fastTrainOptions.batchTokens})`),
    Flag.withDefault(fastTrainOptions.batchTokens),
  ),
};
const task = {
  window: Flag.Int("window").pipe(
    Flag.withDescription("Training window of the task"),
    Flag.withDefault(0),
  ),
  shard: Flag.Int("shard").pipe(
    Flag.withDescription("Shard of the task (its chunk of the corpus in that window)"),
    Flag.withDefault(0),
  ),
};
const json = Flag.Boolean("json").pipe(
  Flag.withDescription("Print one JSON object"),
  Flag.withDefault(false),
);

type BackendFlags = {
  seed: string;
  worldSeed: Option.Option<string>;
  totalShards: number;
  daChunkBytes: number;
  steps: number;
  batchTokens: number;
};

const backendOf = (f: BackendFlags): KernelBackend => {
  let seed: Uint8Array = new TextEncoder().encode(f.seed);
  if (Option.isSome(f.worldSeed)) {
    if (!/^[0-9a-f]{64}$/i.test(f.worldSeed.value))
      throw new Error("--world-seed must be 64 hex characters");
    seed = deriveSeed(Uint8Array.from(Buffer.from(f.worldSeed.value, "hex")), "backend");
  }
  return new KernelBackend({
    seed,
    totalShards: f.totalShards,
    daChunkBytes: f.daChunkBytes,
    train: { ...fastTrainOptions, steps: f.steps, batchTokens: f.batchTokens },
  });
};

const taskOf = (f: { window: number; shard: number }) => ({
  window: f.window,
  shard: f.shard,
  gpuArch: GpuArch.UNSPECIFIED,
});

const readFile = (file: string): Uint8Array => {
  try {
    return new Uint8Array(readFileSync(file));
  } catch (e) {
    throw new Error(`cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
};

const hashesOf = (bytes: Uint8Array, daChunkBytes: number) => {
  const id = contentId(bytes, daChunkBytes);
  return {
    gradient_hash: toHex(id.hash),
    cid: id.cid,
    da_root: toHex(id.daRoot),
    size_bytes: Number(id.sizeBytes),
  };
};

const print = (asJson: boolean, o: Record<string, unknown>) =>
  Console.log(
    asJson
      ? JSON.stringify(o)
      : Object.entries(o)
          .map(([k, v]) => `${k.padEnd(14)} ${v}`)
          .join("\n"),
  );

const attempt = <A>(context: string, f: () => A) =>
  Effect.try({ try: f, catch: userFailure(context) });

const train = Command.make(
  "train",
  {
    ...backendFlags,
    ...task,
    json,
    out: Flag.String("out").pipe(
      Flag.withDescription("Write the update (safetensors) here"),
      Flag.optional,
    ),
    effortBps: Flag.Int("effort-bps").pipe(
      Flag.withDescription(
        "Share of the steps to run, basis points (fault injection: a lazy miner's partial work)",
      ),
      Flag.withDefault(10_000),
    ),
  },
  (f) =>
    attempt("kernels train", () => {
      const b = backendOf(f);
      const r = b.train(taskOf(f), f.effortBps);
      if (Option.isSome(f.out)) writeFileSync(f.out.value, r.bytes!);
      return {
        window: f.window,
        shard: f.shard,
        ...hashesOf(r.bytes!, f.daChunkBytes),
        claimed_loss_micro: Number(r.claimedLossMicro),
        kernel: b.kernelVersion,
        ...(Option.isSome(f.out) ? { file: f.out.value } : {}),
      };
    }).pipe(Effect.flatMap((o) => print(f.json, o))),
).pipe(
  Command.withDescription(
    "Train one task (window, shard) with the canonical kernels and print what a miner submits: gradient hash (sha256 of the update file), CID, DA root, size and claimed loss",
  ),
  Command.withExamples([
    {
      command: "r3mes kernels train --window 3 --shard 1 --out w3s1.safetensors",
      description: "Train and keep the update file",
    },
  ]),
);

const verify = Command.make(
  "verify",
  {
    file: Argument.String("file").pipe(
      Argument.withDescription("An update file (safetensors) claimed to be the task's result"),
    ),
    ...backendFlags,
    ...task,
    json,
  },
  (f) =>
    attempt("kernels verify", () => {
      const b = backendOf(f);
      const bytes = readFile(f.file);
      const got = hashesOf(bytes, f.daChunkBytes);
      const expected = b.train(taskOf(f));
      return {
        file: f.file,
        window: f.window,
        shard: f.shard,
        gradient_hash: got.gradient_hash,
        expected_hash: toHex(expected.gradientHash),
        valid: got.gradient_hash === toHex(expected.gradientHash),
      };
    }).pipe(
      Effect.tap((o) => print(f.json, o)),
      Effect.flatMap((o) =>
        o.valid
          ? Effect.void
          : Effect.fail(
              userFailure("kernels verify")(
                new Error(
                  `${f.file} is not the result of window ${f.window} shard ${f.shard}: the recomputation's hash differs (what a tier-3 panel would rule)`,
                ),
              ),
            ),
      ),
    ),
).pipe(
  Command.withDescription(
    "Recompute a task on the CPU and compare the update file with the result bit for bit (tier 3); exits non-zero when they differ",
  ),
  Command.withExamples([
    {
      command: "r3mes kernels verify w3s1.safetensors --window 3 --shard 1",
      description: "Is this file the honest result?",
    },
  ]),
);

const hash = Command.make(
  "hash",
  {
    file: Argument.String("file").pipe(
      Argument.withDescription("Any file, e.g. an update (safetensors)"),
    ),
    daChunkBytes: backendFlags.daChunkBytes,
    json,
  },
  (f) =>
    attempt("kernels hash", () => ({
      file: f.file,
      ...hashesOf(readFile(f.file), f.daChunkBytes),
    })).pipe(Effect.flatMap((o) => print(f.json, o))),
).pipe(
  Command.withDescription(
    "Print a file's gradient hash (sha256), CIDv1 (raw) and DA Merkle root as the protocol sees them",
  ),
);

const modelFlags = {
  ...backendFlags,
  ...task,
  update: Flag.String("update").pipe(
    Flag.withDescription(
      "An update file to merge into the window's base adapters (default: train the task here)",
    ),
    Flag.optional,
  ),
};

type ModelFlags = BackendFlags & { window: number; shard: number; update: Option.Option<string> };

/** Backbone + merged adapter on onnxruntime, and what it is. */
const modelOf = (f: ModelFlags): { model: OrtModel; info: Record<string, unknown> } => {
  const b = backendOf(f);
  let adapters;
  let source: string;
  if (Option.isSome(f.update)) {
    const bytes = readFile(f.update.value);
    const { gradient_hash } = hashesOf(bytes, f.daChunkBytes);
    adapters = applyDelta(
      b.baseAdapters(f.window),
      decodeUpdate(b.backbone.config, bytes, Buffer.from(gradient_hash, "hex")),
    );
    source = `${f.update.value} (${gradient_hash})`;
  } else {
    adapters = b.modelOf(taskOf(f));
    source = `trained here: window ${f.window}, shard ${f.shard} (${toHex(b.train(taskOf(f)).gradientHash)})`;
  }
  return {
    model: new OrtModel(b.backbone, adapters),
    info: { config: b.backbone.config, kernel: b.kernelVersion, adapter: source },
  };
};

const infer = Command.make(
  "infer",
  {
    ...modelFlags,
    json,
    prompt: Flag.String("prompt").pipe(
      Flag.withDescription("Text to continue"),
      Flag.withDefault("ROMEO:\n"),
    ),
    tokens: Flag.Int("tokens").pipe(
      Flag.withDescription(`Bytes to generate (greedy; at most ${MAX_SERVE_TOKENS})`),
      Flag.withDefault(64),
    ),
  },
  (f) =>
    attempt("kernels infer", () => {
      const { model, info } = modelOf(f);
      try {
        return { ...complete(model, f.prompt, f.tokens), adapter: info.adapter };
      } finally {
        model.close();
      }
    }).pipe(
      Effect.flatMap((o) =>
        f.json
          ? Console.log(JSON.stringify(o))
          : Console.log(
              `${o.text}\n--- loss on the prompt: ${o.loss ?? "n/a (prompt no longer than the context)"}; adapter: ${o.adapter}`,
            ),
      ),
    ),
).pipe(
  Command.withDescription(
    "Run the trained model (backbone + merged adapter, exported to ONNX) on onnxruntime: greedy continuation of a prompt and the loss on it",
  ),
  Command.withExamples([
    {
      command: "r3mes kernels infer --window 3 --shard 1 --prompt 'KING HENRY:' --tokens 80",
      description: "Continue a prompt",
    },
  ]),
);

const serveCommand = Command.make(
  "serve",
  {
    ...modelFlags,
    host: Flag.String("host").pipe(
      Flag.withDescription("Address to bind (default 127.0.0.1: loopback only)"),
      Flag.withDefault("127.0.0.1"),
    ),
    port: Flag.Int("port").pipe(
      Flag.withDescription("Port (0: any free port; the URL is printed)"),
      Flag.withDefault(8088),
    ),
  },
  (f) =>
    Effect.scoped(
      Effect.gen(function* () {
        const { model, info } = yield* attempt("kernels serve", () => modelOf(f));
        const server = yield* Effect.acquireRelease(
          Effect.tryPromise({
            try: () => serve(model, info, { host: f.host, port: f.port }),
            catch: userFailure("kernels serve"),
          }),
          (s) =>
            Effect.promise(async () => {
              await s.close();
              model.close();
              console.log("kernels serve: stopped");
            }),
        );
        yield* Console.log(
          `kernels serve: listening on ${server.url} (GET /health, POST /generate {"prompt","tokens"}); adapter ${info.adapter}`,
        );
        yield* Effect.never;
      }),
    ),
).pipe(
  Command.withDescription(
    'Serve the trained model over HTTP on loopback: POST /generate {"prompt","tokens"} returns the continuation, the next byte and the loss on the prompt (onnxruntime); Ctrl-C stops it',
  ),
  Command.withExamples([
    {
      command: "r3mes kernels serve --window 3 --shard 1 --port 8088",
      description: 'Then: curl -d \'{"prompt":"ROMEO:"}\' http://127.0.0.1:8088/generate',
    },
  ]),
);

export const kernelsCommand = Command.make("kernels").pipe(
  Command.withDescription(
    "BitNet b1.58 + LoRA training kernels: train a task, verify an update file bit for bit, print hashes, run or serve the trained model on onnxruntime",
  ),
  Command.withSubcommands([train, verify, hash, infer, serveCommand]),
);
