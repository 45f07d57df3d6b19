/**
 * A fake simulation run for the output tests until the engine lands: the
 * scripted demo world (src/protocol/testing/demo-world.ts) replayed into a
 * RunSink block by block. The committed state per block is rebuilt by
 * folding the chain's event log through `evolve` from the same genesis (the
 * state is the fold of the events), and the app hash is re-chained, so the
 * replay ends on the chain's own app hash.
 */
import { bytesToHex } from "@noble/hashes/utils.js";
import { blockEventsHash, nextAppHash } from "../../../src/protocol/apphash.ts";
import type { EventCase } from "../../../src/protocol/events.ts";
import { evolve } from "../../../src/protocol/machine.ts";
import type { MockChain } from "../../../src/protocol/testing/chain.ts";
import {
  demoChain,
  lazyMiner,
  miners,
  proposer,
  runDemoWorld,
  validators,
} from "../../../src/protocol/testing/demo-world.ts";
import type { ActorInfo, RunSink } from "../../../src/sim/sink.ts";

export const demoActors: readonly ActorInfo[] = [
  ...validators.map((address): ActorInfo => ({
    address,
    kind: "honest_validator",
    group: address,
    gpuArch: "cpu",
  })),
  { address: proposer, kind: "honest_proposer", group: proposer, gpuArch: "cpu" },
  ...miners.map((address): ActorInfo => ({
    address,
    kind: address === lazyMiner ? "lazy_miner" : "honest_miner",
    group: address,
    gpuArch: "ampere",
  })),
];

/** Events only a transaction produces: one per transaction in the demo's single-message txs. */
const TX_EVENTS = new Set<EventCase>([
  "gradientSubmitted",
  "lossVoteCast",
  "arbitrationVerdictCast",
  "trapCommitmentApproved",
  "aggregationCommitted",
  "aggregationRevealed",
]);

export interface DemoRunOptions {
  readonly scenario?: string;
  readonly sweepPoint?: Readonly<Record<string, string | number | boolean>>;
}

/** Replays the demo world of `seed` into `sink` (start, every block, end); returns the chain. */
export const replayDemo = async (
  seed: number,
  sink: RunSink,
  options: DemoRunOptions = {},
): Promise<MockChain> => {
  const chain = runDemoWorld(seed);
  const replay = demoChain(seed);
  const state = replay.state;
  let appHash = replay.appHash;
  sink.start({
    scenario: options.scenario ?? "demo",
    seed,
    config: {
      world: "demo",
      validators: validators.length,
      miners: miners.length,
      lazyMiners: 1,
      ...options.sweepPoint,
    },
    params: state.params,
    actors: demoActors,
    plannedBlocks: chain.log.length,
    ...(options.sweepPoint ? { sweepPoint: options.sweepPoint } : {}),
  });
  chain.log.forEach((events, i) => {
    for (const e of events) evolve(state, e);
    appHash = nextAppHash(appHash, events);
    const txs = events.filter((e) => TX_EVENTS.has(e.case)).length;
    sink.block({
      height: state.height,
      timeMs: (i + 1) * 5_000,
      events,
      appHash,
      txs,
      rejectedTxs: 0,
      state,
    });
  });
  if (bytesToHex(appHash) !== bytesToHex(chain.appHash))
    throw new Error("demo replay diverged from the chain's app hash");
  const all = chain.log.flat();
  await sink.end({
    blocks: chain.log.length,
    events: all.length,
    eventLogSha256: bytesToHex(blockEventsHash(all)),
    appHash: bytesToHex(appHash),
  });
  return chain;
};
