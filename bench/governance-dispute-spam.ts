/**
 * Proposal and dispute spam: what the chain pays per block for sets an
 * attacker grows (issue 13, bounded state). Each proposal costs a deposit,
 * each dispute a bond (or a bad submission, for a protocol audit); before
 * issue 13 every block visited each proposal still voting, each open
 * dispute (`advanceDisputes`), and each tier-2 deadline summed the stake of
 * every role in the chain (`tier2Tally` through `activeOfRole`, which scanned
 * miners too), twice with the panel draw.
 *
 *   npx tsx bench/governance-dispute-spam.ts     (N=0,1000,10000,100000 to choose)
 *
 * Prints one JSON line per count N, each set put straight into the state (as
 * a decoded snapshot would hold it), median ms over 20 blocks of:
 *   proposals_block_ms  an empty block with N proposals voting (ending far
 *                       ahead) and N tallied ones;
 *   disputes_block_ms   an empty block with N open disputes waiting for their
 *                       deadline (half tier 2, half tier 3 with a panel);
 *   deadlines_block_ms  a block in which 20 tier-2 disputes reach their
 *                       deadline and escalate, with N sybil miners registered.
 * It uses only the state machine's public steps, so the same file times an
 * older checkout of src/protocol.
 */
import { create } from "@bufbuild/protobuf";
import { DisputeSubject, ProposalStatus } from "../src/gen/remes/v1/events_pb.ts";
import { GenesisStateSchema } from "../src/gen/remes/v1/genesis_pb.ts";
import { GpuArch, ProposalContentSchema, Role } from "../src/gen/remes/v1/types_pb.ts";
import { labelAddress as addr } from "../src/protocol/address.ts";
import type { BlockContext } from "../src/protocol/context.ts";
import { isProtocolError } from "../src/protocol/errors.ts";
import { event } from "../src/protocol/events.ts";
import { cloneState, initChain } from "../src/protocol/genesis.ts";
import { applyBlock, evolve } from "../src/protocol/machine.ts";
import { defaultParams, UREMES_PER_REMES } from "../src/protocol/params.ts";
import { hashParts } from "../src/protocol/randomness.ts";
import { roleKey, type State } from "../src/protocol/state.ts";

const COUNTS = (process.env.N ?? "0,1000,10000,100000").split(",").map(Number);
const BLOCKS = 20;
const REMES = UREMES_PER_REMES;
const VALS = [0, 1, 2, 3, 4].map((i) => addr(`bench/val${i}`));

const median = (xs: number[]): number =>
  Number([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!.toFixed(3));

const base = (): State => {
  const genesis = create(GenesisStateSchema, {
    params: defaultParams(),
    accounts: VALS.map((address) => ({ address, balance: 1_000_000n * REMES })),
    roles: VALS.map((address, i) => ({
      address,
      role: Role.VALIDATOR,
      stake: (20_000n + BigInt(i)) * REMES,
      pubkey: hashParts("sim/pubkey", address),
    })),
  });
  const s = initChain(genesis);
  if (isProtocolError(s)) throw new Error(s.message);
  return s;
};

const ctx = (h: number): BlockContext => ({
  height: h,
  timeMs: BigInt(h) * 5_000n,
  blockHash: hashParts("bench/block", h),
  beacon: hashParts("bench/beacon", h),
  beaconOutput: new Uint8Array(0),
  proposer: VALS[0]!,
  lastCommit: VALS.map((address) => ({ address, signed: true })),
  misbehavior: [],
});

/** Median ms of `BLOCKS` blocks, after one untimed block (derived indexes are built once per state). */
const blocks = (s: State, before: (s: State) => void = () => {}): number => {
  let appHash: Uint8Array = new Uint8Array(32);
  const ms: number[] = [];
  for (let i = 0; i <= BLOCKS; i++) {
    before(s);
    const t0 = performance.now();
    appHash = applyBlock(s, ctx(s.height + 1), [], appHash).appHash;
    if (i > 0) ms.push(performance.now() - t0);
  }
  return median(ms);
};

const openDispute = (s: State, tier: 2 | 3, deadline: number, panel: string[]): void => {
  const id = s.counters.nextDisputeId;
  evolve(
    s,
    event("disputeOpened", {
      disputeId: id,
      subject: DisputeSubject.AGGREGATION,
      subjectId: 1_000_000 + id,
      window: 1_000_000,
      challenger: "",
      bond: 0n,
      batchIndex: 0,
      tier,
      deadline,
      panel,
    }),
  );
};

const world = base();
for (const n of COUNTS) {
  // Proposals: n voting until far ahead, n tallied.
  const p = cloneState(world);
  const far = 10_000_000;
  for (let i = 0; i < 2 * n; i++) {
    const id = p.counters.nextProposalId;
    evolve(
      p,
      event("proposalSubmitted", {
        proposalId: id,
        proposer: VALS[0]!,
        content: create(ProposalContentSchema, { title: "spam" }),
        deposit: 1n,
        votingEndHeight: far + i,
      }),
    );
    if (i % 2 === 1)
      evolve(
        p,
        event("proposalTallied", {
          proposalId: id,
          status: ProposalStatus.REJECTED,
          yes: 0n,
          no: 0n,
          abstain: 0n,
          noWithVeto: 0n,
          totalStaked: 0n,
          depositBurned: false,
        }),
      );
  }
  // Disputes: n waiting for a deadline far ahead.
  const d = cloneState(world);
  for (let i = 0; i < n; i++)
    openDispute(d, i % 2 === 0 ? 2 : 3, far + i, i % 2 === 0 ? [] : VALS.slice(0, 3));
  // Deadlines: n sybil miners; 20 tier-2 disputes reach their deadline in each block.
  const m = cloneState(world);
  for (let i = 0; i < n; i++) {
    const address = `bench/sybil${i}`;
    m.roles.set(roleKey(Role.MINER, address), {
      address,
      role: Role.MINER,
      stake: m.params.minMinerStake,
      gpuArch: GpuArch.AMPERE,
      pubkey: new Uint8Array(),
      endpoint: "",
    });
  }
  const deadlines = blocks(m, (s) => {
    for (let k = 0; k < 20; k++) openDispute(s, 2, s.height + 1, []);
  });
  console.log(
    JSON.stringify({
      n,
      proposals_block_ms: blocks(p),
      disputes_block_ms: blocks(d),
      deadlines_block_ms: deadlines,
      open_disputes_after: m.disputes.size,
    }),
  );
}
