/**
 * A mock consensus (after Penumbra's mock-consensus): drives the real state
 * machine block by block with deterministic block hashes, so the demo, the
 * tests and the benchmarks exercise exactly what the node and the simulator
 * run. Block hash n = sha256("remes/mock-block" ‖ chain seed ‖ n).
 */
import { create } from "@bufbuild/protobuf";
import { GenesisStateSchema, type GenesisState } from "../../gen/remes/v1/genesis_pb.ts";
import { stateRoot } from "../apphash.ts";
import type { ProtocolCommand } from "../commands.ts";
import type { BlockContext, Misbehavior, ValidatorVote } from "../context.ts";
import { isProtocolError } from "../errors.ts";
import type { ProtocolEvent } from "../events.ts";
import { initChain } from "../genesis.ts";
import { applyBlock, type BlockResult } from "../machine.ts";
import { beaconValue } from "../beacon.ts";
import { hashParts } from "../randomness.ts";
import type { State } from "../state.ts";

export interface BlockOptions {
  readonly lastCommit?: readonly ValidatorVote[];
  readonly misbehavior?: readonly Misbehavior[];
  readonly proposer?: string;
}

export class MockChain {
  state: State;
  appHash: Uint8Array;
  readonly log: ProtocolEvent[][] = [];
  /** Transactions the machine rejected, for scripts to report. */
  readonly rejected: { height: number; code: number; log: string }[] = [];
  readonly seed: string;
  lastResult: BlockResult | undefined;

  constructor(genesis: GenesisState, seed = "r3mes") {
    const s = initChain(genesis);
    if (isProtocolError(s)) throw new Error(`invalid genesis: ${s.message}`);
    this.state = s;
    this.appHash = stateRoot(s);
    this.seed = seed;
  }

  static fromInit(
    init: Parameters<typeof create<typeof GenesisStateSchema>>[1],
    seed?: string,
  ): MockChain {
    return new MockChain(create(GenesisStateSchema, init), seed);
  }

  get height(): number {
    return this.state.height;
  }

  context(height = this.state.height + 1, opts: BlockOptions = {}): BlockContext {
    return {
      height,
      timeMs: 1_700_000_000_000n + BigInt(height) * 5_000n,
      blockHash: hashParts("remes/mock-block", this.seed, height),
      ...mockBeacon(this.seed, height),
      proposer: opts.proposer ?? "",
      lastCommit: opts.lastCommit ?? [],
      misbehavior: opts.misbehavior ?? [],
    };
  }

  /** Applies one block with the given transactions (each a list of messages). */
  block(txs: readonly (readonly ProtocolCommand[])[] = [], opts: BlockOptions = {}): BlockResult {
    const r = applyBlock(this.state, this.context(this.state.height + 1, opts), txs, this.appHash);
    this.state = r.state;
    this.appHash = r.appHash;
    this.log.push(r.events);
    this.lastResult = r;
    for (const t of r.txResults)
      if (t.code !== 0) this.rejected.push({ height: this.state.height, code: t.code, log: t.log });
    return r;
  }

  /** Applies one block holding one single-message transaction per command. */
  exec(...cmds: ProtocolCommand[]): BlockResult {
    return this.block(cmds.map((c) => [c]));
  }

  /** Empty blocks until (and including) the given height. */
  advanceTo(height: number, opts: BlockOptions = {}): void {
    while (this.state.height < height) this.block([], opts);
  }
}

/** A test chain's beacon: a proof per height from its seed (no key: tests do not verify proofs). */
export const mockBeacon = (
  seed: string | Uint8Array,
  height: number,
): { beacon: Uint8Array; beaconOutput: Uint8Array } => {
  const beaconOutput = hashParts("remes/mock-beacon", seed, height);
  return { beacon: beaconValue(height, beaconOutput), beaconOutput };
};
