/**
 * `r3mes testnet up|status|logs|perturb|chaos|check|down` (and the internal
 * `conduct`): a local multi-node network of real processes, managed from a
 * state folder so any shell can inspect or stop it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Console, Effect, Option } from "effect";
import { Argument, Command, Flag } from "effect/cli";
import { chaos, parseBlockRange } from "../../testnet/chaos.ts";
import { conduct } from "../../testnet/conduct.ts";
import { resolveBackend } from "../../testnet/containers.ts";
import { down } from "../../testnet/down.ts";
import { checkInvariants } from "../../testnet/invariants.ts";
import { type NetworkChoice, networkChoices } from "../../testnet/netns.ts";
import { perturb, type Perturbation, perturbations } from "../../testnet/perturb.ts";
import { logsDir, readState } from "../../testnet/state.ts";
import { manifestsCommand } from "./testnet-manifests.ts";
import { loadWan } from "../../testnet/wan.ts";
import { backendStates, formatStatus, nodeStatuses } from "../../testnet/status.ts";
import { up } from "../../testnet/up.ts";
import { userFailure } from "../errors.ts";
import { testnetShapeFlags } from "./testnet-flags.ts";

const networkChoiceOf = (v: string): NetworkChoice => {
  if (!networkChoices.includes(v as NetworkChoice))
    throw new Error(`--network ${v}: one of ${networkChoices.join(", ")}`);
  return v as NetworkChoice;
};

const dir = Flag.String("dir").pipe(
  Flag.withDescription("State folder of the testnet (homes, keys, logs, pids)"),
  Flag.withDefault(".testnet"),
);

const upCommand = Command.make(
  "up",
  {
    dir,
    validators: Flag.Int("validators").pipe(
      Flag.withDescription("Validator nodes (app + CometBFT each, plus a validator duty daemon)"),
      Flag.withDefault(4),
    ),
    ...testnetShapeFlags,
    params: Flag.String("params").pipe(
      Flag.withDescription(
        "Protocol parameter overrides as protobuf JSON on top of the testnet's short windows, e.g. '{\"windowBlocks\":20}'",
      ),
      Flag.optional,
    ),
    noKubo: Flag.Boolean("no-kubo").pipe(
      Flag.withDescription(
        "Skip Kubo: every daemon runs the embedded Helia store over one shared blockstore folder, DIR/blocks",
      ),
      Flag.withDefault(false),
    ),
    scenario: Flag.String("scenario").pipe(
      Flag.withDescription(
        'JSON file scheduling perturbations by height: {"perturbations":[{"at":40,"do":"kill","node":"val3"}]}',
      ),
      Flag.optional,
    ),
    network: Flag.String("network").pipe(
      Flag.withDescription(
        "How the nodes are networked: netns (each CometBFT in its own network namespace on a bridge; partitions cut its link; needs root and iproute2), loopback (127.0.0.1; partitions restart CometBFT peerless), or auto (netns where possible)",
      ),
      Flag.withDefault("auto"),
    ),
    wan: Flag.String("wan").pipe(
      Flag.withDescription(
        "Latency, jitter and loss between the nodes (netns network only): a preset (qa-regions, one-continent) or a JSON file {regions, rttMs, jitterMs, lossPct, placement}; see docs/testnet.md",
      ),
      Flag.optional,
    ),
    backend: Flag.String("backend").pipe(
      Flag.withDescription(
        "process (default) or containers (every node, daemon and Kubo in a container of the project's image, through testcontainers; needs a Docker-compatible engine — Docker's or podman's socket — and builds the image if it is missing; where no engine answers it says so and runs processes)",
      ),
      Flag.withDefault("process"),
    ),
    training: Flag.String("training").pipe(
      Flag.withDescription(
        "simulated (default: modelled updates) or kernels (every daemon trains LoRA adapters for real with the canonical BitNet kernels; the genesis vault's answers are computed the same way)",
      ),
      Flag.withDefault("simulated"),
    ),
  },
  (f) =>
    Effect.tryPromise({
      try: async () => {
        if (f.training !== "simulated" && f.training !== "kernels")
          throw new Error(`--training ${f.training}: simulated or kernels`);
        const { backend, note } = await resolveBackend(f.backend);
        if (note) console.log(note);
        const start =
          backend === "containers"
            ? (await import("../../testnet/containers-up.ts")).upContainers
            : up;
        await start({
          dir: f.dir,
          validators: f.validators,
          miners: f.miners,
          proposers: f.proposers,
          lazy: f.lazy,
          blockTimeMs: f.blockTimeMs,
          trainMs: f.trainMs,
          snapshotInterval: f.snapshotInterval,
          training: f.training,
          kubo: !f.noKubo,
          say: (l) => console.log(l),
          network: networkChoiceOf(f.network),
          ...(Option.isSome(f.params)
            ? { params: JSON.parse(f.params.value) as Record<string, never> }
            : {}),
          ...(Option.isSome(f.scenario) ? { scenario: f.scenario.value } : {}),
          ...(Option.isSome(f.wan) ? { wan: loadWan(f.wan.value) } : {}),
        });
      },
      catch: userFailure("testnet up failed"),
    }),
).pipe(
  Command.withDescription(
    "Start a local network on 127.0.0.1: keys, genesis, a CometBFT home per validator, the apps, CometBFT, Kubo and the role daemons; waits for the first block and prints the endpoints. Needs 'npm run setup:tools' (CometBFT and Kubo)",
  ),
  Command.withExamples([
    {
      command: "r3mes testnet up",
      description: "4 validators, 8 miners (2 lazy), 2 proposers, Kubo, in ./.testnet",
    },
    {
      command: "r3mes testnet up --dir /tmp/tn --validators 4 --miners 4 --lazy 1 --proposers 1",
      description: "A smaller network",
    },
    {
      command: "r3mes testnet up --scenario faults.json",
      description: "Apply the perturbations the file schedules by height",
    },
  ]),
);

const statusCommand = Command.make(
  "status",
  {
    dir,
    json: Flag.Boolean("json").pipe(
      Flag.withDescription(
        "One JSON object: {chain_id, nodes: [{name, height, app_hash, rpc, peers, state}]}",
      ),
      Flag.withDefault(false),
    ),
  },
  (f) =>
    Effect.tryPromise({
      try: async () => {
        const s = readState(f.dir);
        const nodes = await nodeStatuses(s);
        console.log(
          f.json
            ? JSON.stringify({
                chain_id: s.chainId,
                dir: s.dir,
                network: s.containers
                  ? { kind: "containers", ...s.containers }
                  : (s.network ?? { kind: "loopback" }),
                nodes,
              })
            : formatStatus(s, nodes, await backendStates(s)),
        );
      },
      catch: userFailure("testnet status"),
    }),
).pipe(
  Command.withDescription(
    "Height, app hash, peers and state of every node, and whether each daemon runs",
  ),
);

const logsCommand = Command.make(
  "logs",
  {
    dir,
    name: Argument.String("name").pipe(
      Argument.withDescription(
        "A node (val0 …: its app and CometBFT logs), a daemon (miner0, validator0, proposer0), kubo or conductor; omit to list the log files",
      ),
      Argument.optional,
    ),
    lines: Flag.Int("lines").pipe(
      Flag.withDescription("Lines from the end of each log"),
      Flag.withDefault(40),
    ),
  },
  (f) =>
    Effect.try({
      try: () => {
        const s = readState(f.dir);
        const logs = logsDir(s.dir);
        const files = fs.readdirSync(logs).sort();
        if (Option.isNone(f.name)) {
          console.log(files.map((x) => path.join(logs, x)).join("\n"));
          return;
        }
        const name = f.name.value;
        const node = s.nodes.find((n) => n.name === name);
        const mine = [
          ...files
            .filter((x) => x === `${name}.log` || x.startsWith(`${name}-`))
            .map((x) => path.join(logs, x)),
          ...(node ? [path.join(node.home, "logs", "app.log")] : []),
        ].filter((x) => fs.existsSync(x));
        if (mine.length === 0)
          throw new Error(`no logs for "${name}"; there are: ${files.join(", ")}`);
        for (const file of mine)
          console.log(
            `==> ${file} <==\n${fs
              .readFileSync(file, "utf8")
              .split("\n")
              .slice(-f.lines - 1)
              .join("\n")}`,
          );
      },
      catch: userFailure("testnet logs"),
    }),
).pipe(Command.withDescription("Show the tail of the logs of a node or daemon"));

const perturbCommand = Command.make(
  "perturb",
  {
    dir,
    what: Argument.String("action").pipe(
      Argument.withDescription(
        `One of ${perturbations.join(", ")}: kill = SIGKILL the node's app and CometBFT; restart; pause/resume = SIGSTOP/SIGCONT; partition = cut the node off from its peers (netns: its bridge link goes down; loopback fallback: CometBFT restarted peerless on an unannounced port); heal`,
      ),
    ),
    node: Argument.String("node").pipe(Argument.withDescription("Node name (val0, val1, …)")),
  },
  (f) =>
    Effect.tryPromise({
      try: async () => {
        if (!perturbations.includes(f.what as Perturbation))
          throw new Error(
            `"${f.what}" is not a perturbation; use one of ${perturbations.join(", ")}`,
          );
        console.log(await perturb(f.dir, f.what as Perturbation, f.node));
      },
      catch: userFailure("testnet perturb"),
    }),
).pipe(
  Command.withDescription("Inject a fault into one node"),
  Command.withExamples([
    { command: "r3mes testnet perturb kill val3", description: "kill -9 the node val3" },
    {
      command: "r3mes testnet perturb partition val2",
      description: "Isolate val2; heal it with 'perturb heal val2'",
    },
  ]),
);

const checkCommand = Command.make(
  "check",
  {
    dir,
    json: Flag.Boolean("json").pipe(
      Flag.withDescription("Print {checked_height, violations}"),
      Flag.withDefault(false),
    ),
  },
  (f) =>
    Effect.tryPromise({
      try: async () => {
        const s = readState(f.dir);
        const statuses = await nodeStatuses(s);
        const live = statuses
          .filter((n) => n.height !== null && n.state === "running")
          .map((n) => n.name);
        // A node that is down, paused or cut off is named, not silently left out.
        const notChecked = statuses
          .filter((n) => !live.includes(n.name))
          .map((n) => `${n.name} (${n.state})`);
        if (live.length === 0)
          throw new Error(
            `no node of ${f.dir} answers (${notChecked.join(", ")}); see 'r3mes testnet status --dir ${f.dir}'`,
          );
        const r = await checkInvariants(s, { nodes: live });
        if (f.json)
          console.log(
            JSON.stringify({
              checked_height: r.checkedHeight,
              nodes: live,
              not_checked: notChecked,
              violations: r.violations,
            }),
          );
        else
          console.log(
            (r.violations.length === 0
              ? `invariants hold on ${live.join(", ")} up to height ${r.checkedHeight}`
              : `VIOLATIONS:\n${r.violations.join("\n")}`) +
              (notChecked.length > 0
                ? `\nnot checked: ${notChecked.join(", ")} (see 'r3mes testnet logs NODE --dir ${f.dir}')`
                : ""),
          );
        if (r.violations.length > 0) throw new Error(`${r.violations.length} invariant violations`);
      },
      catch: userFailure("testnet check"),
    }),
).pipe(
  Command.withDescription(
    "Invariants over RPC on the running nodes: app hash after h = next header's AppHash, identical blocks on every node, supply conserved and protocol state checks on a checked replay",
  ),
);

const downCommand = Command.make(
  "down",
  {
    dir,
    keep: Flag.Boolean("keep").pipe(
      Flag.withDescription("Keep the state folder (homes, logs) instead of removing it"),
      Flag.withDefault(false),
    ),
  },
  (f) =>
    Effect.tryPromise({
      try: async () => {
        const r = await down(f.dir, { keep: f.keep });
        console.log(
          `stopped ${r.stopped} processes${f.keep ? `; state kept in ${f.dir}` : `; removed ${f.dir}`}`,
        );
        if (r.stillListening.length > 0)
          throw new Error(
            `ports still listening after stopping everything: ${r.stillListening.join(", ")}`,
          );
        if (r.leftovers.length > 0)
          throw new Error(
            `network namespaces or links left after deleting them: ${r.leftovers.join(", ")}`,
          );
      },
      catch: userFailure("testnet down"),
    }),
).pipe(
  Command.withDescription(
    "Stop every process the testnet started (by pid) and remove its state folder",
  ),
);

const chaosCommand = Command.make(
  "chaos",
  {
    dir,
    cycles: Flag.Int("cycles").pipe(
      Flag.withDescription("Faults to run, one after another"),
      Flag.withDefault(10),
    ),
    seed: Flag.Int("seed").pipe(
      Flag.withDescription("Seed of the plan: which fault, which node, how long"),
      Flag.withDefault(1),
    ),
    downBlocks: Flag.String("down-blocks").pipe(
      Flag.withDescription(
        "Blocks the other nodes make while the victim is down: LO-HI, drawn per fault",
      ),
      Flag.withDefault("5-20"),
    ),
    readers: Flag.Int("readers").pipe(
      Flag.withDescription(
        "RPC clients per node, each reading /abci_info, /abci_query and /status ~50 times a second (0: none)",
      ),
      Flag.withDefault(2),
    ),
  },
  (f) =>
    Effect.tryPromise({
      try: async () => {
        if (f.cycles < 1) throw new Error(`--cycles ${f.cycles}: at least 1`);
        if (f.readers < 0 || f.readers > 64) throw new Error(`--readers ${f.readers}: 0 to 64`);
        const r = await chaos(f.dir, {
          cycles: f.cycles,
          seed: f.seed,
          downBlocks: parseBlockRange(f.downBlocks),
          readers: f.readers,
          say: (l) => console.log(`${new Date().toISOString()} ${l}`),
        });
        console.log(
          JSON.stringify({
            cycles: r.cycles,
            checked_height: r.checkedHeight,
            rpc_reads: r.rpcReads,
            failure: r.failure ?? null,
          }),
        );
        if (r.failure) throw new Error(`${r.failure}; logs in ${logsDir(f.dir)}`);
      },
      catch: userFailure("testnet chaos"),
    }),
).pipe(
  Command.withDescription(
    "Random faults one after another (kill/restart, pause/resume, partition/heal one node at a time) while RPC clients read every node; after each, the rest must go on, the victim catch up and the invariants hold. Stops at the first failure",
  ),
  Command.withExamples([
    {
      command: "r3mes testnet chaos --cycles 20 --seed 7",
      description: "20 faults drawn from seed 7 on the testnet in .testnet",
    },
  ]),
);

const conductCommand = Command.make(
  "conduct",
  { dir, scenario: Flag.String("scenario").pipe(Flag.withDescription("Scenario file")) },
  (f) =>
    Effect.tryPromise({
      try: () => conduct(f.dir, f.scenario, (l) => console.log(`${new Date().toISOString()} ${l}`)),
      catch: userFailure("testnet conduct"),
    }),
).pipe(
  Command.withDescription(
    "Apply a scenario's perturbations as the chain reaches their heights (up --scenario starts this in the background)",
  ),
);

export const testnetCommand = Command.make("testnet").pipe(
  Command.withDescription(
    "Local multi-node testnets of real processes (CometBFT validators, Kubo, role daemons) with fault injection and invariant checks",
  ),
  Command.withSubcommands([
    upCommand,
    statusCommand,
    logsCommand,
    perturbCommand,
    chaosCommand,
    checkCommand,
    downCommand,
    conductCommand,
    manifestsCommand,
  ]),
);
