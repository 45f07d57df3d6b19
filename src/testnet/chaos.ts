/**
 * Chaos on a running testnet: one fault after another on a randomly drawn
 * node (kill then restart, pause then resume, partition then heal; one node
 * down at a time, so the other validators keep a 2/3 quorum of the genesis
 * set), while RPC clients read every node without pause (ABCI Info,
 * queries, status: what explorers and wallets do at any moment). After each
 * fault the rest must go on for a drawn number of blocks, the victim must
 * catch up, every process must still run and the invariants must hold
 * (invariants.ts); the run stops at the first failure and says which.
 *
 * It is how the node was found to stop when an RPC client's /abci_info came
 * between FinalizeBlock and Commit: the faults themselves held, the reads
 * beside them did not. The plan is a function of the seed (the same faults
 * on the same nodes for the same downtimes); timing is the machine's.
 */
import { utf8ToBytes } from "@noble/hashes/utils.js";
import { Prng } from "../protocol/randomness.ts";
import { checkInvariants } from "./invariants.ts";
import { perturb, type Perturbation } from "./perturb.ts";
import { sleep } from "./procs.ts";
import { readState, rpcUrl } from "./state.ts";
import { nodeStatuses } from "./status.ts";
import { height, waitForHeight } from "./up.ts";

/** A fault and the perturbation that ends it. */
export const faults: readonly (readonly [Perturbation, Perturbation])[] = [
  ["kill", "restart"],
  ["pause", "resume"],
  ["partition", "heal"],
];

export interface ChaosStep {
  readonly fault: Perturbation;
  readonly heal: Perturbation;
  readonly node: string;
  /** Blocks the other nodes make while the victim is down. */
  readonly downBlocks: number;
}

/** The faults of a run: a function of the seed, the nodes and the range of downtimes. */
export const chaosPlan = (
  seed: number,
  nodes: readonly string[],
  cycles: number,
  downBlocks: readonly [number, number],
): ChaosStep[] => {
  const prng = new Prng(utf8ToBytes(`r3mes/testnet-chaos/${seed}`));
  const [lo, hi] = downBlocks;
  return Array.from({ length: cycles }, () => {
    const [fault, heal] = faults[prng.below(faults.length)]!;
    return {
      fault,
      heal,
      node: nodes[prng.below(nodes.length)]!,
      downBlocks: lo + prng.below(hi - lo + 1),
    };
  });
};

/** `--down-blocks`: "LO-HI" (or one number), an inclusive range of blocks. */
export const parseBlockRange = (v: string): [number, number] => {
  const m = /^(\d+)(?:-(\d+))?$/.exec(v.trim());
  const lo = m ? Number(m[1]) : NaN;
  const hi = m ? Number(m[2] ?? m[1]) : NaN;
  if (!(lo >= 1 && hi >= lo && hi <= 10_000))
    throw new Error(
      `--down-blocks ${v}: a range of blocks LO-HI with 1 ≤ LO ≤ HI ≤ 10000, e.g. 5-20`,
    );
  return [lo, hi];
};

export interface ChaosOptions {
  readonly cycles: number;
  readonly seed: number;
  /** Downtime range in blocks of the other nodes (inclusive). */
  readonly downBlocks: readonly [number, number];
  /** How long the others may take for the downtime, and the victim to catch up, before the run fails. */
  readonly stallMs?: number;
  /** RPC readers per node, each ~50 reads a second (0: none). */
  readonly readers?: number;
  readonly say: (line: string) => void;
}

export interface ChaosResult {
  readonly cycles: number;
  /** Undefined when every cycle passed. */
  readonly failure?: string;
  readonly checkedHeight: number;
  readonly rpcReads: number;
}

const top = async (rpcs: readonly string[]): Promise<number> =>
  Math.min(...(await Promise.all(rpcs.map(async (r) => (await height(r)) ?? -1))));

/** Whether every node of `rpcs` reaches height `h` within `ms`. */
const reaches = (rpcs: readonly string[], h: number, ms: number): Promise<boolean> =>
  waitForHeight(rpcs, h, ms).then(
    () => true,
    () => false,
  );

/** RPC clients reading a node every 20 ms until stopped; counts the answers. */
const readers = (rpcs: readonly string[], perNode: number) => {
  let stopped = false;
  let reads = 0;
  const paths = [
    "abci_info",
    'abci_query?path="/remes.remes.v1.Query/Params"',
    "status",
    'abci_query?path="/remes.remes.v1.Query/Proposals"',
  ];
  const loop = async (rpc: string) => {
    for (let i = 0; !stopped; i++) {
      try {
        const r = await fetch(`${rpc}/${paths[i % paths.length]}`, {
          signal: AbortSignal.timeout(2000),
        });
        await r.arrayBuffer();
        reads++;
        // ~50 reads a second per reader: often enough to land between any FinalizeBlock and its Commit, not a flood.
        await sleep(20);
      } catch {
        // A node that is down refuses or times out: keep asking (the chaos expects it).
        await sleep(200);
      }
    }
  };
  const loops = rpcs.flatMap((rpc) => Array.from({ length: perNode }, () => loop(rpc)));
  return {
    reads: () => reads,
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
    },
  };
};

/** "; stopped: NAME (…)" for the nodes whose processes are gone (the victim of a kill aside), else "". */
const stoppedNodes = async (dir: string, except?: string): Promise<string> => {
  const gone = (await nodeStatuses(readState(dir))).filter(
    (n) => n.state === "stopped" && n.name !== except,
  );
  return gone.length === 0
    ? ""
    : `; stopped: ${gone.map((n) => n.name).join(", ")} (see its logs: r3mes testnet logs ${gone[0]!.name})`;
};

/** Runs the plan on the testnet in `dir`; every fault is healed before the next, and before it returns. */
export const chaos = async (dir: string, o: ChaosOptions): Promise<ChaosResult> => {
  const s = readState(dir);
  if (s.nodes.length < 4)
    throw new Error(
      `chaos needs at least 4 validators (one down leaves 3 of 4 to make blocks); this testnet has ${s.nodes.length}`,
    );
  const stallMs = o.stallMs ?? 90_000;
  const plan = chaosPlan(
    o.seed,
    s.nodes.map((n) => n.name),
    o.cycles,
    o.downBlocks,
  );
  const all = s.nodes.map((n) => rpcUrl(n));
  const reading = readers(all, o.readers ?? 2);
  let done = 0;
  let checkedHeight = 0;
  const fail = async (why: string): Promise<ChaosResult> => {
    await reading.stop();
    o.say(`chaos: FAILED in cycle ${done + 1}: ${why}`);
    return { cycles: done, failure: why, checkedHeight, rpcReads: reading.reads() };
  };
  try {
    for (const step of plan) {
      const others = s.nodes.filter((n) => n.name !== step.node).map((n) => rpcUrl(n));
      o.say(`chaos ${done + 1}/${plan.length}: ${await perturb(dir, step.fault, step.node)}`);
      const at = await top(others);
      if (!(await reaches(others, at + step.downBlocks, stallMs))) {
        const gone = await stoppedNodes(dir, step.node);
        await perturb(dir, step.heal, step.node);
        return await fail(
          `the other nodes made fewer than ${step.downBlocks} blocks in ${stallMs / 1000} s while ${step.node} was down (${step.fault})${gone}`,
        );
      }
      o.say(`chaos ${done + 1}/${plan.length}: ${await perturb(dir, step.heal, step.node)}`);
      const target = await top(others);
      if (!(await reaches(all, target, stallMs)))
        return await fail(
          `${step.node} did not catch up to height ${target} within ${stallMs / 1000} s after ${step.heal}`,
        );
      const gone = await stoppedNodes(dir);
      if (gone !== "") return await fail(`a node stopped${gone}`);
      const r = await checkInvariants(readState(dir), { replay: false });
      checkedHeight = r.checkedHeight;
      if (r.violations.length > 0) return await fail(r.violations.join("; "));
      done++;
      o.say(
        `chaos ${done}/${plan.length}: ${step.node} caught up; invariants hold to height ${r.checkedHeight}; ${reading.reads()} RPC reads so far`,
      );
    }
    await reading.stop();
    // The whole chain once more, replayed and checked by an independent follower.
    const r = await checkInvariants(readState(dir));
    checkedHeight = r.checkedHeight;
    if (r.violations.length > 0) return await fail(r.violations.join("; "));
    return { cycles: done, checkedHeight, rpcReads: reading.reads() };
  } catch (e) {
    return await fail(e instanceof Error ? e.message : String(e));
  }
};
