/**
 * A short simulator run with real actor keys, recorded block by block (its
 * BlockContexts, commands and app hashes) for the equivalence tests: a
 * dozen actors over a few 10-block windows, with a lazy miner and a
 * copycat, and duplicated and late deliveries so rejected txs are part of the stream.
 */
import { toJson } from "@bufbuild/protobuf";
import { GenesisStateSchema } from "../../src/gen/remes/v1/genesis_pb.ts";
import type { ProtocolCommand } from "../../src/protocol/commands.ts";
import type { BlockContext } from "../../src/protocol/context.ts";
import { genesisAccountsHash, nextAccountsHash } from "../../src/node/accounts.ts";
import { signTx, txKeyOf, type TxKey } from "../../src/node/sign.ts";
import type { AccountRecord } from "../../src/node/store.ts";
import type { ProtocolEvent } from "../../src/protocol/events.ts";
import { signerOf } from "../../src/protocol/commands.ts";
import { type RunResult, runScenario } from "../../src/sim/run.ts";
import { parseScenario } from "../../src/sim/scenario.ts";

export interface RecordedBlock {
  readonly context: BlockContext;
  readonly commands: readonly ProtocolCommand[];
  readonly appHash: string;
  readonly rejectedTxs: number;
}

export interface RecordedRun {
  readonly run: RunResult;
  readonly blocks: readonly RecordedBlock[];
  readonly keys: ReadonlyMap<string, Uint8Array>;
  /** The genesis as CometBFT's `app_state` (protobuf JSON). */
  readonly appState: unknown;
}

export const equivalenceScenario = parseScenario(
  {
    name: "equivalence",
    description:
      "a dozen actors over seven 10-block windows, recorded with real keys for the node equivalence tests",
    blocks: 70,
    params: {
      windowBlocks: 10,
      totalShards: 4,
      challengeWindowBlocks: 3,
      tier2VotingBlocks: 2,
      tier3DeadlineBlocks: 5,
      aggregationCommitBlocks: 2,
      aggregationRevealBlocks: 2,
      aggregationChallengeBlocks: 3,
      trapRevealBlocks: 3,
      trapRateBps: 2000,
      trapCommitmentSlots: 16,
      daChunkBytes: 64,
      livenessWindowBlocks: 20,
      validatorJailBlocks: 15,
    },
    // Late deliveries: some txs arrive after their deadline and the protocol rejects them, in both runtimes.
    // The flaky validator is cut off for the first 24 blocks: slashed for downtime and jailed at height 20
    // (it leaves CometBFT's set), back with less power at 35.
    faults: {
      duplicateBps: 2000,
      latencyTailBps: 1500,
      latencyTailMsMax: 60_000,
      partitions: [{ startMs: 0, endMs: 120_000, actors: ["flaky_validator"] }],
    },
    backend: { trainMs: { AMPERE: 12000, HOPPER: 8000 } },
    actors: [
      { kind: "honest_miner", count: 6, gpuArch: ["AMPERE", "HOPPER"] },
      { kind: "lazy_miner", count: 1, skipBps: 5000 },
      { kind: "copycat_miner", count: 1 },
      { kind: "honest_validator", count: 3 },
      { kind: "honest_validator", count: 1, group: "flaky_validator" },
      { kind: "honest_proposer", count: 1, method: "median" },
    ],
  },
  "test/node/sim-stream.ts",
);

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex").toUpperCase();

export const recordSimRun = async (seed = 11, blocks?: number): Promise<RecordedRun> => {
  const recorded: RecordedBlock[] = [];
  const run = await runScenario(equivalenceScenario, {
    seed,
    keys: "secp256k1",
    ...(blocks === undefined ? {} : { blocks }),
    sink: {
      start() {},
      block(b) {
        if (!b.context || !b.commands)
          throw new Error("the simulator did not record the block's context and commands");
        recorded.push({
          context: b.context,
          commands: b.commands,
          appHash: hex(b.appHash),
          rejectedTxs: b.rejectedTxs,
        });
      },
      end() {},
    },
  });
  if (run.violation)
    throw new Error(`the recorded run broke an invariant: ${run.violation.messages.join("; ")}`);
  return {
    run,
    blocks: recorded,
    keys: run.keys!,
    appState: toJson(GenesisStateSchema, run.genesis),
  };
};

/** Signs each command with its signer's key, account number and next sequence. */
export class StreamSigner {
  private readonly keys = new Map<string, TxKey>();
  private readonly sequences = new Map<string, bigint>();

  constructor(
    secretKeys: ReadonlyMap<string, Uint8Array>,
    private readonly chainId: string,
    private readonly accountNumber: (address: string) => bigint,
  ) {
    for (const [address, sk] of secretKeys) this.keys.set(address, txKeyOf(sk));
  }

  publicKey(address: string): Uint8Array {
    return this.keys.get(address)!.pubkey;
  }

  sign(cmd: Parameters<typeof signerOf>[0]): { bytes: Uint8Array; signer: string } {
    const signer = signerOf(cmd);
    const key = this.keys.get(signer);
    if (!key) throw new Error(`no key for ${signer}, the signer of a recorded ${cmd.case}`);
    const sequence = this.sequences.get(signer) ?? 0n;
    return {
      bytes: signTx(key, [cmd], {
        chainId: this.chainId,
        accountNumber: this.accountNumber(signer),
        sequence,
      }),
      signer,
    };
  }

  /** The tx was accepted (its sequence is used up). */
  consumed(signer: string): void {
    this.sequences.set(signer, (this.sequences.get(signer) ?? 0n) + 1n);
  }
}

/**
 * An independent model of the node's accounts for the equivalence tests:
 * numbers in genesis order (accounts, then roles), then for each block its
 * authenticated signers (sequence + 1, key remembered) and the recipients of
 * its transfers, in block order — the rule accounts.ts documents, tracked
 * here without the app's code, so the app hash's accounts component is
 * checked against something the app did not compute.
 */
export class AccountModel {
  private readonly byAddress = new Map<string, AccountRecord>();
  private next = 0n;
  hash: Uint8Array;

  constructor(appState: unknown) {
    const g = appState as { accounts?: { address: string }[]; roles?: { address: string }[] };
    for (const a of [...(g.accounts ?? []), ...(g.roles ?? [])]) this.ensure(a.address);
    this.hash = genesisAccountsHash([...this.byAddress.values()]);
  }

  private ensure(address: string): AccountRecord {
    let a = this.byAddress.get(address);
    if (!a) {
      a = { address, number: this.next++, sequence: 0n, pubkey: undefined };
      this.byAddress.set(address, a);
    }
    return a;
  }

  number(address: string): bigint | undefined {
    return this.byAddress.get(address)?.number;
  }

  /** One block: who signed an authenticated tx (in order) and where its transfers went. */
  block(
    signers: readonly { address: string; pubkey: Uint8Array }[],
    events: readonly ProtocolEvent[],
  ): void {
    const changed = new Set<string>();
    for (const s of signers) {
      const a = this.ensure(s.address);
      a.sequence += 1n;
      a.pubkey ??= s.pubkey;
      changed.add(s.address);
    }
    for (const e of events) {
      if (
        e.case === "transferred" &&
        !e.value.to.startsWith("module:") &&
        !this.byAddress.has(e.value.to)
      ) {
        this.ensure(e.value.to);
        changed.add(e.value.to);
      }
    }
    this.hash = nextAccountsHash(
      this.hash,
      [...changed].map((k) => ({ ...this.byAddress.get(k)! })),
    );
  }
}
