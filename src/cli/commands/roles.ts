/**
 * Role daemons and the proposer's operator commands:
 *   r3mes miner start · r3mes validator start
 *   r3mes proposer configure|register|start|status|list-aggregations|earnings|claim-rewards
 * A daemon signs with one key of the encrypted keyring (--from NAME, see
 * `r3mes keys`), follows the chain over
 * CometBFT RPC (checking every app hash by replaying it), signs and
 * broadcasts with cosmjs, keeps blobs in the content store, and runs the same
 * actor as the simulator. SIGINT/SIGTERM stop it cleanly; restarting it
 * never repeats a duty it already sent.
 */
import * as fs from "node:fs";
import { Effect, Option } from "effect";
import { Command, Flag } from "effect/cli";
import { AggregationMethod, GpuArch, Role } from "../../gen/remes/v1/types_pb.ts";
import { AggregationFault } from "../../gen/remes/v1/events_pb.ts";
import { methodByName } from "../../actors/aggregate.ts";
import { type DaemonRole, startDaemon } from "../../actors/live/daemon.ts";
import { ChainFollower } from "../../actors/live/follower.ts";
import { isVoidedRound } from "../../protocol/aggregation.ts";
import { command } from "../../protocol/commands.ts";
import { UREMES_PER_REMES } from "../../protocol/params.ts";
import { roleKey } from "../../protocol/state.ts";
import { openStore } from "../../store/index.ts";
import { PASSPHRASE_ENV } from "../../keys/keyring.ts";
import { userFailure } from "../errors.ts";
import { keyringAt, signerFrom } from "./keys.ts";
import { broadcastTx } from "./tx.ts";
import { minerRegister, validatorRegister } from "./register.ts";

const stamp = () => new Date().toISOString();
const say = (name: string) => (line: string) => console.log(`${stamp()} ${name} ${line}`);

const opt = <A>(f: Flag.Flag<A>) => f.pipe(Flag.optional);
const daemonFlags = {
  config: Flag.String("config").pipe(
    Flag.withDescription(
      "JSON file with defaults for the flags below (written by 'r3mes proposer configure'); flags given win",
    ),
    Flag.optional,
  ),
  rpc: opt(
    Flag.String("rpc").pipe(
      Flag.withDescription("CometBFT RPC of the node to follow (default http://127.0.0.1:26657)"),
    ),
  ),
  from: opt(
    Flag.String("from").pipe(
      Flag.withDescription(
        "Name of the key this daemon signs with, in the encrypted keyring ('r3mes keys add NAME')",
      ),
    ),
  ),
  keyringDir: opt(
    Flag.String("keyring-dir").pipe(
      Flag.withDescription(
        "Folder of the encrypted keyring (default ~/.r3mes/keyring; a testnet's is DIR/keyring)",
      ),
    ),
  ),
  passphraseFile: opt(
    Flag.String("passphrase-file").pipe(
      Flag.withDescription(
        `File whose first line is the keyring passphrase (else ${PASSPHRASE_ENV}, else a prompt)`,
      ),
    ),
  ),
  store: opt(
    Flag.String("store").pipe(
      Flag.withDescription(
        "Content store: kubo:http://127.0.0.1:PORT (a Kubo daemon's API) or a folder for the embedded Helia store (default ./.r3mes-blocks)",
      ),
    ),
  ),
  worldSeed: opt(
    Flag.String("world-seed").pipe(
      Flag.withDescription(
        "The network's shared world seed, 64 hex chars: training data and task feed (a testnet's is in DIR/testnet.json)",
      ),
    ),
  ),
  blockTimeMs: opt(
    Flag.Int("block-time-ms").pipe(
      Flag.withDescription(
        "The chain's block interval in ms (timers are counted in blocks; default 1000)",
      ),
    ),
  ),
  trainMs: opt(
    Flag.Int("train-ms").pipe(
      Flag.withDescription("Simulated training time per task in ms (default 1500)"),
    ),
  ),
  stateDir: opt(
    Flag.String("state-dir").pipe(
      Flag.withDescription(
        "Folder for the duty journal that prevents double submission across restarts (default ./.r3mes-daemon)",
      ),
    ),
  ),
  backend: opt(
    Flag.String("backend").pipe(
      Flag.withDescription(
        "Training backend: simulated (default; modelled updates) or kernels (real LoRA training with the canonical BitNet kernels). Every daemon of a network must use the same; with kernels, run the chain with trap_rate_bps 0 unless its genesis vault holds the kernels' answers",
      ),
    ),
  ),
};

type DaemonFlags = { [K in keyof typeof daemonFlags]: Option.Option<string | number> };

interface Resolved {
  rpc: string;
  keyringDir?: string;
  passphraseFile?: string;
  from: string;
  store: string;
  worldSeed: string;
  blockTimeMs: number;
  trainMs: number;
  stateDir: string;
  backend: string;
  method?: string;
  gpuArch?: string;
  lazySkipBps?: number;
  tier2Loss?: string;
}

/** An optional setting: the flag, else the --config file's, else absent. */
const opt2 = <K extends "keyringDir" | "passphraseFile">(
  k: K,
  f: DaemonFlags,
  cfg: Partial<Resolved>,
): Partial<Pick<Resolved, K>> => {
  const v = Option.getOrUndefined(f[k]) ?? cfg[k];
  return v === undefined ? {} : ({ [k]: String(v) } as Partial<Pick<Resolved, K>>);
};

const resolve = (f: DaemonFlags, extra: Partial<Resolved> = {}): Resolved => {
  const cfgFile = Option.getOrUndefined(f.config) as string | undefined;
  let cfg: Partial<Resolved> = {};
  if (cfgFile) {
    if (!fs.existsSync(cfgFile))
      throw new Error(
        `--config ${cfgFile} does not exist; write one with 'r3mes proposer configure --config ${cfgFile} …'`,
      );
    cfg = JSON.parse(fs.readFileSync(cfgFile, "utf8")) as Partial<Resolved>;
  }
  const pick = <K extends keyof Resolved>(k: K, dflt?: Resolved[K]): Resolved[K] => {
    const v =
      (k in f
        ? Option.getOrUndefined((f as Record<string, Option.Option<unknown>>)[k]!)
        : undefined) ??
      extra[k] ??
      cfg[k] ??
      dflt;
    if (v === undefined)
      throw new Error(
        `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} is required (or put it in a --config file)`,
      );
    return v as Resolved[K];
  };
  return {
    rpc: pick("rpc", "http://127.0.0.1:26657"),
    from: pick("from"),
    ...opt2("keyringDir", f, cfg),
    ...opt2("passphraseFile", f, cfg),
    store: pick("store", "./.r3mes-blocks"),
    worldSeed: pick("worldSeed"),
    blockTimeMs: pick("blockTimeMs", 1000),
    trainMs: pick("trainMs", 1500),
    stateDir: pick("stateDir", "./.r3mes-daemon"),
    backend: pick("backend", "simulated"),
    tier2Loss: extra.tier2Loss ?? cfg.tier2Loss ?? "canonical",
    method: cfg.method ?? extra.method ?? "median",
    gpuArch: extra.gpuArch ?? cfg.gpuArch ?? "AMPERE",
    lazySkipBps: extra.lazySkipBps ?? cfg.lazySkipBps ?? 0,
  };
};

const runDaemon = (role: DaemonRole, f: DaemonFlags, extra: Partial<Resolved> = {}) =>
  Effect.scoped(
    Effect.gen(function* () {
      const r = yield* Effect.try({
        try: () => resolve(f, extra),
        catch: userFailure(`${role} start`),
      });
      const arch = GpuArch[r.gpuArch as keyof typeof GpuArch];
      if (typeof arch !== "number")
        return yield* Effect.fail(
          userFailure(`${role} start`)(
            new Error(
              `--gpu-arch ${r.gpuArch}: one of ${Object.keys(GpuArch)
                .filter((k) => Number.isNaN(Number(k)))
                .join(", ")}`,
            ),
          ),
        );
      if (r.backend !== "simulated" && r.backend !== "kernels")
        return yield* Effect.fail(
          userFailure(`${role} start`)(
            new Error(`--backend ${r.backend}: one of simulated, kernels`),
          ),
        );
      if (r.tier2Loss !== "canonical" && r.tier2Loss !== "onnx")
        return yield* Effect.fail(
          userFailure(`${role} start`)(
            new Error(`--tier2-loss ${r.tier2Loss}: one of canonical, onnx`),
          ),
        );
      const method = methodByName[r.method as keyof typeof methodByName];
      if (method === undefined)
        return yield* Effect.fail(
          userFailure(`${role} start`)(
            new Error(`method ${r.method}: one of ${Object.keys(methodByName).join(", ")}`),
          ),
        );
      const log = say(`${role}/${r.from}`);
      const daemon = yield* Effect.acquireRelease(
        Effect.tryPromise({
          try: async () =>
            startDaemon({
              role,
              rpc: r.rpc,
              signer: await signerFrom(r.from, r),
              from: r.from,
              store: await openStore(r.store),
              worldSeed: r.worldSeed,
              stateDir: r.stateDir,
              blockTimeMs: r.blockTimeMs,
              trainMs: r.trainMs,
              gpuArch: arch,
              lazySkipBps: r.lazySkipBps ?? 0,
              method,
              log,
              backend: r.backend as "simulated" | "kernels",
              tier2Loss: r.tier2Loss as "canonical" | "onnx",
            }),
          catch: userFailure(`${role} start failed`),
        }),
        (d) =>
          Effect.promise(async () => {
            log(
              `stopping; txs sent ${d.broadcaster.stats.sent}, accepted ${d.broadcaster.stats.accepted}, rejected ${d.broadcaster.stats.rejected}, duplicates skipped ${d.broadcaster.stats.skipped}`,
            );
            await d.stop();
          }),
      );
      log(`started as ${daemon.address}, following ${r.rpc}, store ${r.store}`);
      yield* Effect.tryPromise({ try: () => daemon.done, catch: userFailure(`${role} stopped`) });
    }),
  );

const example = (role: string, extra = "") => ({
  command: `r3mes ${role} start --rpc http://127.0.0.1:26657 --keyring-dir .testnet/keyring --passphrase-file .testnet/keyring-passphrase --from ${role === "validator" ? "val0" : `${role}0`} --store kubo:http://127.0.0.1:5001 --world-seed $(jq -r .worldSeed .testnet/testnet.json)${extra}`,
  description: `Run a ${role} against the local testnet's first node`,
});

const minerStart = Command.make(
  "start",
  {
    ...daemonFlags,
    gpuArch: Flag.String("gpu-arch").pipe(
      Flag.withDescription("GPU architecture the miner declares (AMPERE, ADA, HOPPER, …)"),
      Flag.withDefault("AMPERE"),
    ),
    lazySkipBps: Flag.Int("lazy-skip-bps").pipe(
      Flag.withDescription(
        "Fault injection: skip this share of tasks (basis points) and submit a random hash instead; 0 = honest",
      ),
      Flag.withDefault(0),
    ),
  },
  (f) => runDaemon("miner", f, { gpuArch: f.gpuArch, lazySkipBps: f.lazySkipBps }),
).pipe(
  Command.withDescription(
    "Run a miner: for each window, train its assigned shard (--backend simulated: a modelled update; --backend kernels: real LoRA training with the canonical kernels), publish the update to the content store, submit its CID and hash; answer availability challenges",
  ),
  Command.withExamples([
    example("miner"),
    example("miner", " --lazy-skip-bps 10000"),
    example("miner", " --backend kernels"),
  ]),
);
export const minerCommand = Command.make("miner").pipe(
  Command.withDescription("Miner daemon (trains shards and submits gradients)"),
  Command.withSubcommands([minerStart, minerRegister]),
);

const validatorStart = Command.make(
  "start",
  {
    ...daemonFlags,
    tier2Loss: Flag.String("tier2-loss").pipe(
      Flag.withDescription(
        "How tier-2 losses are recomputed: canonical (the kernels, default) or onnx (the exported ONNX graph on onnxruntime; needs --backend kernels)",
      ),
      Flag.optional,
    ),
  },
  (f) =>
    runDaemon("validator", f, Option.isSome(f.tier2Loss) ? { tier2Loss: f.tier2Loss.value } : {}),
).pipe(
  Command.withDescription(
    "Run a validator's duties: trap committee (commit and reveal blinded traps), tier-2 loss votes, tier-3 verdicts, aggregate checks and challenges. The node itself runs with 'r3mes node start'",
  ),
  Command.withExamples([example("validator")]),
);
export const validatorCommand = Command.make("validator").pipe(
  Command.withDescription("Validator duty daemon (verification work beside a consensus node)"),
  Command.withSubcommands([validatorStart, validatorRegister]),
);

// --- proposer ---

const methodOf = (m: Option.Option<string>): Partial<Resolved> =>
  Option.isSome(m) ? { method: m.value } : {};
const methodFlag = Flag.String("method").pipe(
  Flag.withDescription("Aggregation method: mean, median, trimmed_mean or krum"),
  Flag.optional,
);
const proposerStart = Command.make("start", { ...daemonFlags, method: methodFlag }, (f) =>
  runDaemon("proposer", f, Option.isSome(f.method) ? { method: f.method.value } : {}),
).pipe(
  Command.withDescription(
    "Run a proposer: when the chain draws it for a window, fetch the window's submissions from the content store, aggregate them, commit, then reveal",
  ),
  Command.withExamples([
    example("proposer"),
    {
      command: "r3mes proposer start --config proposer.json",
      description: "Use the settings saved by 'proposer configure'",
    },
  ]),
);

const configure = Command.make(
  "configure",
  {
    ...daemonFlags,
    method: methodFlag,
    config: Flag.String("config").pipe(
      Flag.withDescription("Where to write the settings"),
      Flag.withDefault("proposer.json"),
    ),
  },
  (f) =>
    Effect.try({
      try: () => {
        const entries = Object.entries(f)
          .filter(
            ([k, v]) =>
              k !== "config" && Option.isOption(v) && Option.isSome(v as Option.Option<unknown>),
          )
          .map(([k, v]) => [k, (v as Option.Some<unknown>).value]);
        const old = fs.existsSync(f.config)
          ? (JSON.parse(fs.readFileSync(f.config, "utf8")) as object)
          : {};
        const merged = { ...old, ...Object.fromEntries(entries) };
        fs.writeFileSync(f.config, `${JSON.stringify(merged, null, 2)}\n`);
        console.log(
          `wrote ${f.config}: ${Object.keys(merged).join(", ")}\nstart with: r3mes proposer start --config ${f.config}`,
        );
      },
      catch: userFailure("proposer configure"),
    }),
).pipe(
  Command.withDescription(
    "Save the proposer's settings (RPC, keyring, key name, store, world seed, method) to a JSON file the other proposer commands read with --config",
  ),
);

/** The chain as a checked replay, for the read-only proposer commands. */
const replayed = async (r: Resolved) => {
  const follower = new ChainFollower(r.rpc, () => {});
  const rewards = new Map<string, bigint>();
  await follower.init();
  const tip = (await follower.call((c) => c.status())).syncInfo.latestBlockHeight;
  await new Promise<void>((resolveP, reject) => {
    if (follower.height >= tip) return resolveP();
    follower
      .run(async (b) => {
        for (const e of b.events)
          if (e.case === "rewardMinted")
            rewards.set(e.value.to, (rewards.get(e.value.to) ?? 0n) + e.value.amount);
        if (b.height >= tip) resolveP();
      })
      .catch(reject);
  });
  return { follower, rewards };
};

const remes = (u: bigint) =>
  `${u / UREMES_PER_REMES}.${(u % UREMES_PER_REMES).toString().padStart(6, "0")} REMES`;

const readOnly = (
  name: string,
  description: string,
  body: (r: Resolved, address: string, chain: Awaited<ReturnType<typeof replayed>>) => string,
) =>
  Command.make(name, daemonFlags, (f) =>
    Effect.tryPromise({
      try: async () => {
        const r = resolve(f, { worldSeed: "0".repeat(64) });
        const { address } = keyringAt(r.keyringDir).show(r.from);
        const chain = await replayed(r);
        try {
          console.log(body(r, address, chain));
        } finally {
          chain.follower.stop();
        }
      },
      catch: userFailure(`proposer ${name}`),
    }),
  ).pipe(Command.withDescription(description));

const status = readOnly(
  "status",
  "The proposer's registration, stake, balance and rewards so far (from a checked replay of the chain)",
  (_r, address, { follower, rewards }) => {
    const s = follower.state;
    const role = s.roles.get(roleKey(Role.PROPOSER, address));
    return [
      `proposer ${address} at height ${follower.height}`,
      `  authorized: ${s.authorizedProposers.has(address) ? "yes" : "no"}`,
      `  registered: ${role ? `yes, stake ${remes(role.stake)}` : "no (r3mes proposer register)"}`,
      `  balance: ${remes(s.balances.get(address) ?? 0n)}`,
      `  rewards: ${remes(rewards.get(address) ?? 0n)}`,
    ].join("\n");
  },
);

/** A failed round as its proposer reads it: whether it cost stake. */
const roundFault = (f: AggregationFault): string =>
  !isVoidedRound(f)
    ? `faulted (${AggregationFault[f]})`
    : f === AggregationFault.NOTHING_SETTLED
      ? "ended unpaid, not slashed: nothing was settled to aggregate by the commit deadline"
      : "ended unpaid, not slashed: a submission it included was rejected after the commit";

const listAggregations = readOnly(
  "list-aggregations",
  "Windows whose aggregation this proposer was drawn for, and what became of it (committed, revealed, finalized, faulted)",
  (_r, address, { follower }) => {
    const rows: string[] = [];
    for (const w of [...follower.state.windows.values()].sort((a, b) => a.window - b.window)) {
      const a = w.aggregation;
      if (!a || a.proposer !== address) continue;
      rows.push(
        `  window ${w.window}: ${a.fault !== undefined ? roundFault(a.fault) : a.finalized ? "finalized" : a.revealed ? `revealed (${a.revealed.submissionIds.length} submissions, ${AggregationMethod[a.revealed.method]}, ${a.revealed.aggregatedCid})` : a.commitment ? "committed" : "awaiting commitment"}`,
      );
    }
    return rows.length
      ? `aggregations of ${address} (windows still held in state):\n${rows.join("\n")}`
      : `no aggregation in the windows still held in state was drawn for ${address}`;
  },
);

const earnings = readOnly(
  "earnings",
  "Rewards minted to this proposer since genesis (from a checked replay of the chain)",
  (_r, address, { follower, rewards }) =>
    `${address}: ${remes(rewards.get(address) ?? 0n)} earned by height ${follower.height}`,
);

const claimRewards = readOnly(
  "claim-rewards",
  "Rewards are paid straight into the balance when a window settles, so there is nothing to claim: this shows what was paid and the spendable balance",
  (_r, address, { follower, rewards }) =>
    `nothing to claim: R3MES pays rewards into the balance when each window settles.\n${address}: ${remes(rewards.get(address) ?? 0n)} paid so far; spendable balance ${remes(follower.state.balances.get(address) ?? 0n)}`,
);

const register = Command.make(
  "register",
  {
    ...daemonFlags,
    stake: Flag.Int("stake").pipe(
      Flag.withDescription("Stake to bond, in REMES"),
      Flag.withDefault(10_000),
    ),
  },
  (f) =>
    Effect.tryPromise({
      try: async () => {
        const r = resolve(f, { worldSeed: "0".repeat(64) });
        const res = await broadcastTx(r, "registration", (address) =>
          command("registerProposer", {
            proposer: address,
            stake: BigInt(f.stake) * UREMES_PER_REMES,
          }),
        );
        console.log(
          `registered ${res.address} as a proposer with ${f.stake} REMES at height ${res.height} (tx ${res.tx})`,
        );
      },
      catch: userFailure("proposer register"),
    }),
).pipe(
  Command.withDescription(
    "Register the key as a proposer, bonding a stake (the address must be authorized: in genesis or by a passed governance proposal)",
  ),
);

export const proposerCommand = Command.make("proposer").pipe(
  Command.withDescription(
    "Aggregation proposer: configure, register, run the daemon, and inspect its aggregations and earnings",
  ),
  Command.withSubcommands([
    configure,
    register,
    proposerStart,
    status,
    listAggregations,
    earnings,
    claimRewards,
  ]),
);
