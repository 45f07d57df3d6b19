/**
 * Target "protocol": the decider under generated command streams. A small
 * world (miners, validators, a proposer, a plain account; short windows so
 * windows open, close and settle within an input) and blocks of txs of
 * generated commands (commands.ts), with empty blocks between them.
 *
 * Oracles, per block: no throw escapes applyBlock; every state invariant
 * (invariants.ts) holds; no offence is slashed twice; and the cost oracle:
 * a block copies the whole state at most once (counted at structuredClone,
 * which cloneState uses), since a per-tx copy makes a block's work
 * txs × state size — the multi-message-clone stall.
 */
import fc from "fast-check";
import { checkState, OffenceLedger } from "../../protocol/invariants.ts";
import { MockChain } from "../../protocol/testing/chain.ts";
import { commandArb, type CommandSpec, toCommand } from "../commands.ts";
import { finding, type Finding } from "../finding.ts";
import { checkAccounts } from "../oracles.ts";
import type { FuzzTarget } from "../runner.ts";
import { ACTORS, fuzzGenesis } from "../world.ts";

export interface BlockSpec {
  /** Empty blocks before this one (windows move on). */
  readonly skip: number;
  readonly txs: readonly (readonly CommandSpec[])[];
}

export interface ProtocolInput {
  readonly blocks: readonly BlockSpec[];
}

// Count whole-state copies: cloneState is structuredClone (genesis.ts). Anything else cloned here counts too,
// so the budget is per block and the protocol clones nothing else while applying one.
let clones = 0;
const original = globalThis.structuredClone;
const counting = ((v: unknown, o?: Parameters<typeof structuredClone>[1]) => {
  clones++;
  return original(v, o);
}) as typeof structuredClone;

/** Whole-state copies one block may make. */
export const CLONE_BUDGET_PER_BLOCK = 1;

export const protocolArb = (): fc.Arbitrary<ProtocolInput> => {
  const cmd = commandArb(ACTORS);
  const tx = fc.oneof(
    { weight: 4, arbitrary: fc.array(cmd, { minLength: 1, maxLength: 1 }) },
    { weight: 1, arbitrary: fc.array(cmd, { minLength: 0, maxLength: 4 }) },
  );
  const block = fc.record({
    skip: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat(6) }),
    txs: fc.array(tx, { maxLength: 5 }),
  });
  return fc.record({ blocks: fc.array(block, { minLength: 1, maxLength: 6 }) });
};

export const checkProtocol = (input: ProtocolInput): Finding | undefined => {
  const chain = new MockChain(fuzzGenesis(), "fuzz");
  const offences = new OffenceLedger();
  const after = (what: string): Finding | undefined => {
    const bad = checkState(chain.state);
    if (bad.length > 0)
      return finding(
        "protocol.invariant",
        `after ${what} (height ${chain.height}): ${bad.slice(0, 3).join("; ")}`,
      );
    const accounts = checkAccounts(
      chain.state.balances.keys(),
      [...chain.state.roles.values()].map((r) => r.address),
    );
    if (accounts) return accounts;
    const twice = offences.observe(chain.lastResult?.events ?? []);
    if (twice.length > 0) return finding("protocol.double-slash", `${what}: ${twice[0]}`);
    return undefined;
  };
  globalThis.structuredClone = counting;
  try {
    for (const [b, spec] of input.blocks.entries()) {
      for (let i = 0; i < spec.skip; i++) {
        chain.block();
        const bad = after(`empty block before block ${b}`);
        if (bad) return bad;
      }
      const txs = spec.txs.map((t) => t.map(toCommand));
      clones = 0;
      chain.block(txs);
      if (clones > CLONE_BUDGET_PER_BLOCK) {
        const multi = txs.filter((t) => t.length > 1).length;
        return finding(
          "protocol.clone-per-tx",
          `block ${b} (${txs.length} txs, ${multi} of several messages) copied the whole state ${clones} times: its work grows as txs × state size`,
        );
      }
      const bad = after(`block ${b}`);
      if (bad) return bad;
    }
    return undefined;
  } finally {
    globalThis.structuredClone = original;
  }
};

export const protocolTarget: FuzzTarget<ProtocolInput> = {
  name: "protocol",
  description:
    "decide/applyBlock under generated command streams: no throw, invariants after every block, at most one state copy per block",
  ciRuns: 20_000,
  arbitrary: protocolArb,
  check: checkProtocol,
};
