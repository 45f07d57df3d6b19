/**
 * `r3mes demo`: runs a scripted world (src/protocol/testing/demo-world.ts)
 * through the real state machine — two training windows with a lazy miner
 * caught by tier-1/2/3 verification and by a trap job — and prints the
 * events per block, the outcome, and the final app hash and state root.
 */
import { bytesToHex } from "@noble/hashes/utils.js";
import { AggregationFault, DisputeOutcome } from "../gen/remes/v1/events_pb.ts";
import { Role } from "../gen/remes/v1/types_pb.ts";
import { stateRoot } from "../protocol/apphash.ts";
import type { ProtocolEvent } from "../protocol/events.ts";
import { roleOf } from "../protocol/staking.ts";
import { lazyMiner, miners, runDemoWorld } from "../protocol/testing/demo-world.ts";

export interface DemoOptions {
  /** Seed of the block context (block hashes, sortition); same seed, same output. */
  readonly seed: number;
  /** Print one JSON object instead of human-readable lines. */
  readonly json: boolean;
}

const REMES = 1_000_000n;
const fmt = (u: bigint) => `${u / REMES}.${String(u % REMES).padStart(6, "0")} REMES`;

/** One line for the events worth reading; routine ones are counted. */
const describe = (e: ProtocolEvent): string | undefined => {
  switch (e.case) {
    case "windowOpened":
      return `window ${e.value.window} opens`;
    case "windowClosed":
      return `window ${e.value.window} closes`;
    case "windowSettled":
      return `window ${e.value.window} settles (rewards paid, submissions pruned)`;
    case "tier1Evaluated":
      return e.value.mismatchedIds.length > 0
        ? `tier 1: shard ${e.value.shard} verified ${e.value.verifiedIds.length}, mismatched ${e.value.mismatchedIds.join(",")}`
        : undefined;
    case "disputeOpened":
      return `dispute ${e.value.disputeId} opened at tier ${e.value.tier} on submission ${e.value.subjectId}${e.value.challenger === "" ? " by the protocol" : ""}`;
    case "disputeEscalated":
      return `dispute ${e.value.disputeId} escalated to a tier-3 panel: ${e.value.panel.join(", ")}`;
    case "disputeResolved":
      return `dispute ${e.value.disputeId} resolved at tier ${e.value.tier}: ${DisputeOutcome[e.value.outcome]?.toLowerCase()}`;
    case "slashed":
      return `slashed ${e.value.address}: ${fmt(e.value.amount)} (${e.value.offenceKey})`;
    case "trapCommitmentAccepted":
      return `trap commitments for window ${e.value.window} accepted (${e.value.committee.join(" + ")})`;
    case "trapRevealed":
      return `trap on shard ${e.value.shard}: passed ${e.value.passed.length}, caught ${e.value.caught.join(",") || "none"}`;
    case "aggregationProposerSelected":
      return `proposer ${e.value.proposer} selected for window ${e.value.window}`;
    case "aggregationRevealed":
      return `aggregation ${e.value.aggregationId} of window ${e.value.window} revealed: ${e.value.submissionIds.length} gradients`;
    case "aggregationFinalized":
      return `aggregation ${e.value.aggregationId} final`;
    case "aggregationFaulted":
      return `proposer ${e.value.proposer} faulted on window ${e.value.window} (${AggregationFault[e.value.fault]})`;
    case "rewardMinted":
      return `reward ${fmt(e.value.amount)} to ${e.value.to}`;
    default:
      return undefined;
  }
};

export async function runDemo(options: DemoOptions): Promise<void> {
  const chain = runDemoWorld(options.seed);
  const lines: string[] = [];
  chain.log.forEach((events, i) => {
    const notable = events.map(describe).filter((x): x is string => x !== undefined);
    for (const n of notable) lines.push(`h${String(i + 1).padStart(3)}  ${n}`);
  });
  const stake = (a: string) => roleOf(chain.state, Role.MINER, a)?.stake ?? 0n;
  const summary = {
    seed: options.seed,
    height: chain.height,
    events: chain.log.reduce((n, b) => n + b.length, 0),
    appHash: bytesToHex(chain.appHash),
    stateRoot: bytesToHex(stateRoot(chain.state)),
    lazyMiner: {
      address: lazyMiner,
      stake: stake(lazyMiner).toString(),
      balance: (chain.state.balances.get(lazyMiner) ?? 0n).toString(),
    },
    honestMiner: {
      address: miners[0]!,
      stake: stake(miners[0]!).toString(),
      balance: (chain.state.balances.get(miners[0]!) ?? 0n).toString(),
    },
    rejectedTxs: chain.rejected.length,
    supply: {
      genesis: chain.state.supply.genesis.toString(),
      minted: chain.state.supply.minted.toString(),
      burned: chain.state.supply.burned.toString(),
    },
  };
  if (options.json) {
    console.log(JSON.stringify({ ...summary, timeline: lines }));
    return;
  }
  console.log(
    `R3MES protocol demo (seed ${options.seed}): 4 validators, 1 proposer, 8 miners, one of them lazy\n`,
  );
  for (const l of lines) console.log(l);
  console.log(
    `\nlazy miner ${lazyMiner}: stake ${fmt(stake(lazyMiner))} (started with 2000 REMES)`,
  );
  console.log(
    `honest miner ${miners[0]}: balance ${fmt(chain.state.balances.get(miners[0]!) ?? 0n)} (started with 100000 REMES)`,
  );
  console.log(
    `supply: genesis ${fmt(chain.state.supply.genesis)}, minted ${fmt(chain.state.supply.minted)}, burned ${fmt(chain.state.supply.burned)}`,
  );
  console.log(
    `\nheight ${chain.height}, ${summary.events} events, ${chain.rejected.length} rejected transactions`,
  );
  console.log(`app hash   ${summary.appHash}`);
  console.log(`state root ${summary.stateRoot}`);
}
