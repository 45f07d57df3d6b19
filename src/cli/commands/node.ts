/** `r3mes node init|start|app|…`: a CometBFT ABCI 2.0 node of the R3MES state machine (docs/node.md); start and app run from the lean bundle (bin/lean.js). */
import { readFileSync } from "node:fs";
import { Effect, Option } from "effect";
import { Command, Flag } from "effect/cli";
import type { JsonValue } from "@bufbuild/protobuf";
import {
  DEFAULT_BLOCK_MAX_BYTES,
  DEFAULT_MIN_GAS_PRICE,
  defaultInit,
  initHome,
} from "../../node/home.ts";
import { DEFAULT_REST_URL, keplrChainInfo, registryChainJson } from "../../node/chain-info.ts";
import { joinHome, parsePeers } from "../../node/join.ts";
import { startNode } from "../../node/run.ts";
import { userFailure } from "../errors.ts";

const home = Flag.String("home").pipe(
  Flag.withDescription("Node home directory (CometBFT config and data, the app's database, logs)"),
);

const parseFund = (s: string): [string, bigint] => {
  const m = /^([a-z0-9]+)=([0-9]+)$/.exec(s);
  if (!m) throw new Error(`--fund "${s}": expected ADDRESS=UREMES, e.g. remes1…=1000000`);
  return [m[1]!, BigInt(m[2]!)];
};

const parseConfig = (s: string): [string, string] => {
  const m = /^([A-Za-z0-9_.]+)=(.*)$/.exec(s);
  if (!m)
    throw new Error(
      `--config "${s}": expected SECTION.KEY=TOML_VALUE, e.g. mempool.size=50000 or consensus.timeout_commit="500ms"`,
    );
  return [m[1]!, m[2]!];
};

const readJsonFile =
  (flag: string) =>
  (file: string): JsonValue => {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      throw new Error(
        `${flag} ${file}: cannot read it (${e instanceof Error ? e.message : String(e)})`,
      );
    }
    try {
      return JSON.parse(text) as JsonValue;
    } catch (e) {
      throw new Error(`${flag} ${file}: not JSON (${e instanceof Error ? e.message : String(e)})`);
    }
  };

const init = Command.make(
  "init",
  {
    home,
    chainId: Flag.String("chain-id").pipe(
      Flag.withDescription("Chain id written to genesis (txs are signed for it)"),
      Flag.withDefault("remes-local"),
    ),
    rpc: Flag.String("rpc-laddr").pipe(
      Flag.withDescription("CometBFT RPC listen address"),
      Flag.withDefault("tcp://127.0.0.1:26657"),
    ),
    p2p: Flag.String("p2p-laddr").pipe(
      Flag.withDescription("CometBFT P2P listen address"),
      Flag.withDefault("tcp://127.0.0.1:26656"),
    ),
    proxyApp: Flag.String("proxy-app").pipe(
      Flag.withDescription(
        "ABCI address between CometBFT and the app: tcp://HOST:PORT or unix:///path.sock",
      ),
      Flag.withDefault("tcp://127.0.0.1:26658"),
    ),
    blockTime: Flag.String("block-time").pipe(
      Flag.withDescription("CometBFT timeout_commit: time between blocks"),
      Flag.withDefault("1s"),
    ),
    minGasPrice: Flag.String("min-gas-price").pipe(
      Flag.withDescription(
        "Minimum fee per gas unit for a tx to enter this node's mempool, written to HOME/config/app.toml (minimum-gas-prices); 0uremes accepts free txs",
      ),
      Flag.withDefault(DEFAULT_MIN_GAS_PRICE),
    ),
    blockMaxBytes: Flag.Int("block-max-bytes").pipe(
      Flag.withDescription(
        "Consensus param block.max_bytes in the genesis (2 MiB, about 5,000 submissions, keeps a block's proposal and execution well inside a second)",
      ),
      Flag.withDefault(DEFAULT_BLOCK_MAX_BYTES),
    ),
    mnemonic: Flag.String("mnemonic").pipe(
      Flag.withDescription(
        "BIP-39 mnemonic of the dev account (default: a fresh one, saved in HOME/dev-account.json)",
      ),
      Flag.optional,
    ),
    fund: Flag.String("fund").pipe(
      Flag.withDescription("Fund another account at genesis: ADDRESS=UREMES (repeatable)"),
      Flag.atLeast(0),
    ),
    params: Flag.String("params").pipe(
      Flag.withDescription(
        "Protocol parameter overrides as protobuf JSON, e.g. '{\"windowBlocks\":10}'",
      ),
      Flag.optional,
    ),
    genesisExtra: Flag.String("genesis-extra").pipe(
      Flag.withDescription(
        "A protobuf-JSON remes GenesisState file whose accounts, roles (e.g. miners registered at genesis) and vault entries are added to the genesis",
      ),
      Flag.optional,
    ),
    config: Flag.String("config").pipe(
      Flag.withDescription(
        "Override a CometBFT config.toml setting: SECTION.KEY=TOML_VALUE, e.g. mempool.size=50000 (repeatable)",
      ),
      Flag.atLeast(0),
    ),
    genesis: Flag.String("genesis").pipe(
      Flag.withDescription(
        "Join an existing network: its genesis.json (copied as is; no dev account, no genesis of this node's own; --chain-id, --params, --fund, --mnemonic, --genesis-extra, --block-max-bytes do not apply)",
      ),
      Flag.optional,
    ),
    peers: Flag.String("peers").pipe(
      Flag.withDescription(
        "With --genesis: the network's nodes to stay connected to, NODE_ID@HOST:PORT,… (CometBFT persistent_peers)",
      ),
      Flag.optional,
    ),
    stateSync: Flag.String("state-sync").pipe(
      Flag.withDescription(
        "With --genesis: restore a recent snapshot instead of replaying from genesis; RPC,RPC (two or more of the network's CometBFT RPCs) give the trusted height and block hash",
      ),
      Flag.optional,
    ),
    snapshotInterval: Flag.Int("snapshot-interval").pipe(
      Flag.withDescription(
        "With --state-sync: the network's snapshot interval (its nodes' 'node start --snapshot-interval'); the trust height is a multiple of it",
      ),
      Flag.withDefault(100),
    ),
    moniker: Flag.String("moniker").pipe(
      Flag.withDescription("The node's name among its peers (CometBFT moniker)"),
      Flag.withDefault("r3mes-local"),
    ),
  },
  (f) =>
    Effect.tryPromise({
      try: async () => {
        if (Option.isSome(f.genesis)) {
          const own = [
            ["--mnemonic", Option.isSome(f.mnemonic)],
            ["--fund", f.fund.length > 0],
            ["--params", Option.isSome(f.params)],
            ["--genesis-extra", Option.isSome(f.genesisExtra)],
            ["--chain-id", f.chainId !== "remes-local"],
            ["--block-max-bytes", f.blockMaxBytes !== DEFAULT_BLOCK_MAX_BYTES],
          ].filter(([, given]) => given);
          if (own.length > 0)
            throw new Error(
              `${own.map(([flag]) => flag).join(", ")}: a joining node takes the network's genesis as it is (--genesis)`,
            );
          const j = await joinHome({
            home: f.home,
            genesisFile: f.genesis.value,
            peers: Option.match(f.peers, { onNone: () => [], onSome: parsePeers }),
            rpcLaddr: f.rpc,
            p2pLaddr: f.p2p,
            proxyApp: f.proxyApp,
            blockTime: f.blockTime,
            minGasPrice: f.minGasPrice,
            moniker: f.moniker,
            config: Object.fromEntries(f.config.map(parseConfig)),
            ...Option.match(f.stateSync, {
              onNone: () => ({}),
              onSome: (s) => ({
                stateSync: { rpcs: s.split(","), snapshotInterval: f.snapshotInterval },
              }),
            }),
          });
          console.log(
            [
              `initialised ${f.home} to join chain ${j.chainId}`,
              `  node id: ${j.nodeId} (peers reach it at ${j.nodeId}@HOST:PORT)`,
              j.trust
                ? `  state sync: trust height ${j.trust.height}, hash ${j.trust.hash} (network at ${j.trust.latest})`
                : "  no state sync: it replays every block from genesis",
              `  start it with: r3mes node start --home ${f.home}`,
            ].join("\n"),
          );
          return;
        }
        if (Option.isSome(f.peers) || Option.isSome(f.stateSync))
          throw new Error("--peers and --state-sync join an existing network: give its --genesis");
        const r = await initHome({
          ...defaultInit(f.home),
          chainId: f.chainId,
          rpcLaddr: f.rpc,
          p2pLaddr: f.p2p,
          proxyApp: f.proxyApp,
          blockTime: f.blockTime,
          blockMaxBytes: f.blockMaxBytes,
          minGasPrice: f.minGasPrice,
          mnemonic: Option.getOrUndefined(f.mnemonic),
          moniker: f.moniker,
          fund: new Map(f.fund.map(parseFund)),
          params: Option.getOrUndefined(Option.map(f.params, (p) => JSON.parse(p) as JsonValue)),
          genesisExtra: Option.getOrUndefined(
            Option.map(f.genesisExtra, readJsonFile("--genesis-extra")),
          ),
          config: Object.fromEntries(f.config.map(parseConfig)),
        });
        console.log(
          `initialised ${f.home} for chain ${f.chainId}\n  dev account (funded, genesis validator): ${r.devAddress}\n  its mnemonic is in ${f.home}/dev-account.json\n  start it with: r3mes node start --home ${f.home}`,
        );
      },
      catch: userFailure("node init failed"),
    }),
).pipe(
  Command.withDescription(
    "Create a home directory for a single-validator local chain: CometBFT keys and config (1 s blocks, loopback listeners) and a genesis whose app_state funds a dev account bonded as the validator; with --genesis, a node joining an existing network instead (--peers, --state-sync)",
  ),
  Command.withExamples([
    {
      command: "r3mes node init --home ./.chain",
      description: "A local chain with defaults (chain id remes-local, RPC on 127.0.0.1:26657)",
    },
    {
      command: "r3mes node init --home /tmp/n1 --chain-id test-1 --params '{\"windowBlocks\":10}'",
      description: "Short training windows for experiments",
    },
    {
      command:
        "r3mes node init --home ./node --genesis genesis.json --peers ID@seed1.example:26656 --state-sync http://rpc1.example:26657,http://rpc2.example:26657",
      description:
        "A full node of an existing network, restoring a recent snapshot (docs/operators.md)",
    },
  ]),
);

const snapshotInterval = Flag.Int("snapshot-interval").pipe(
  Flag.withDescription(
    "Blocks between state snapshots (restart and state sync start from the latest)",
  ),
  Flag.withDefault(100),
);

const metrics = Flag.String("metrics").pipe(
  Flag.withDescription(
    "Serve Prometheus metrics (r3mes_*, docs/node.md) at http://ADDR/metrics; ADDR is PORT (loopback) or HOST:PORT",
  ),
  Flag.optional,
);

const rest = Flag.String("rest").pipe(
  Flag.withDescription(
    "Serve the REST gateway (Cosmos SDK endpoints for wallets and explorers, /remes/remes/v1/… queries; docs/node.md) at http://ADDR; ADDR is PORT (loopback) or HOST:PORT",
  ),
  Flag.optional,
);

const explorer = Flag.String("explorer").pipe(
  Flag.withDescription(
    "Serve the chain explorer and miner console (docs/explorer.md) at http://ADDR; ADDR is PORT (loopback) or HOST:PORT",
  ),
  Flag.optional,
);

/** The explorer of a node started here: its RPC from config.toml, served until the node stops. */
const nodeExplorer = async (home: string, listen: string) => {
  const [{ startExplorer }, { readToml }] = await Promise.all([
    import("../../explorer/start.ts"),
    import("../../node/toml.ts"),
  ]);
  const laddr =
    readToml(readFileSync(`${home}/config/config.toml`, "utf8"), "rpc", "laddr") ??
    "tcp://127.0.0.1:26657";
  return startExplorer({ rpc: laddr, listen });
};

const rpcFlag = Flag.String("rpc").pipe(
  Flag.withDescription(
    "The CometBFT RPC the REST gateway calls (tcp://HOST:PORT or http://HOST:PORT); config.toml's rpc.laddr by default",
  ),
  Flag.optional,
);

const some = <K extends string>(key: K, o: Option.Option<string>) =>
  Option.match(o, { onNone: () => ({}), onSome: (v) => ({ [key]: v }) as Record<K, string> });

/** The node is a scoped resource: interruption (SIGINT/SIGTERM via the runtime) runs its clean stop. */
const run =
  (withCometbft: boolean) =>
  (f: {
    home: string;
    snapshotInterval: number;
    metrics: Option.Option<string>;
    rest: Option.Option<string>;
    rpc?: Option.Option<string>;
    explorer?: Option.Option<string>;
  }) =>
    Effect.scoped(
      Effect.gen(function* () {
        const node = yield* Effect.acquireRelease(
          Effect.tryPromise({
            try: () =>
              startNode({
                home: f.home,
                withCometbft,
                snapshotInterval: f.snapshotInterval,
                ...some("metrics", f.metrics),
                ...some("rest", f.rest),
                ...some("rpc", f.rpc ?? Option.none()),
                say: (l) => console.log(l),
              }),
            catch: userFailure(withCometbft ? "node start failed" : "node app failed"),
          }),
          (n) => Effect.promise(() => n.stop("interrupted")),
        );
        if (f.explorer !== undefined && Option.isSome(f.explorer)) {
          const listen = f.explorer.value;
          const server = yield* Effect.acquireRelease(
            Effect.tryPromise({
              try: () => nodeExplorer(f.home, listen),
              catch: userFailure("node start failed: cannot serve the explorer"),
            }),
            (s) => Effect.promise(() => s.close()),
          );
          console.log(`explorer: ${server.url}`);
        }
        const code = yield* Effect.promise(() => node.exited);
        if (code !== 0)
          return yield* Effect.fail(
            userFailure("node stopped")(new Error(`exit code ${code}; see ${f.home}/logs`)),
          );
      }),
    );

const start = Command.make(
  "start",
  { home, snapshotInterval, metrics, rest, explorer },
  run(true),
).pipe(
  Command.withDescription(
    "Run the chain: the R3MES ABCI app and CometBFT together; logs go to HOME/logs (app.log, cometbft.log); SIGINT/SIGTERM stop both cleanly. State is durable: a restart (even after kill -9) continues at the last committed height",
  ),
  Command.withExamples([
    {
      command: "r3mes node start --home ./.chain",
      description: "Start the chain created by 'r3mes node init'",
    },
    {
      command: "r3mes node start --home ./.chain --metrics 26660",
      description: "The same, with Prometheus metrics at http://127.0.0.1:26660/metrics",
    },
    {
      command: "r3mes node start --home ./.chain --rest 1317",
      description:
        "The same, with the REST gateway at http://127.0.0.1:1317 (e.g. /cosmos/bank/v1beta1/balances/remes1…)",
    },
    {
      command: "r3mes node start --home ./.chain --explorer 26680",
      description:
        "The same, with the chain explorer and miner console at http://127.0.0.1:26680 (docs/explorer.md)",
    },
  ]),
);

const app = Command.make(
  "app",
  { home, snapshotInterval, metrics, rest, rpc: rpcFlag },
  run(false),
).pipe(
  Command.withDescription(
    "Run only the ABCI app (for running CometBFT yourself: 'cometbft start --home HOME')",
  ),
);

const chainInfo = Command.make(
  "chain-info",
  {
    home,
    format: Flag.Literals("format", ["keplr", "registry"]).pipe(
      Flag.withDescription(
        "keplr: Keplr's chainInfo (experimentalSuggestChain); registry: a cosmos/chain-registry chain.json",
      ),
      Flag.withDefault("keplr" as const),
    ),
    rpc: Flag.String("rpc").pipe(
      Flag.withDescription(
        "The RPC URL wallets call (default: config.toml's rpc.laddr as http://)",
      ),
      Flag.optional,
    ),
    rest: Flag.String("rest").pipe(
      Flag.withDescription(`The REST gateway's URL (default ${DEFAULT_REST_URL})`),
      Flag.optional,
    ),
  },
  (f) =>
    Effect.try({
      try: () => {
        const o = { home: f.home, ...some("rpc", f.rpc), ...some("rest", f.rest) };
        console.log(
          JSON.stringify(f.format === "keplr" ? keplrChainInfo(o) : registryChainJson(o), null, 2),
        );
      },
      catch: userFailure("node chain-info failed"),
    }),
).pipe(
  Command.withDescription(
    "Print the chain's description for wallets: Keplr chainInfo JSON (chain id from the genesis, RPC from config.toml, fee steps from app.toml's minimum gas price, bech32 remes…, coin type 118, uremes/REMES with 6 decimals), or a chain-registry chain.json",
  ),
  Command.withExamples([
    {
      command: "r3mes node chain-info --home ./.chain --rest http://127.0.0.1:1317",
      description:
        "Keplr chainInfo for the local chain (pass it to window.keplr.experimentalSuggestChain)",
    },
  ]),
);

export const nodeCommand = Command.make("node").pipe(
  Command.withDescription(
    "A CometBFT ABCI 2.0 node running the R3MES state machine (needs CometBFT: 'npm run setup:tools')",
  ),
  Command.withSubcommands([init, start, app, chainInfo]),
);
