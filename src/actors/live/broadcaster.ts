/**
 * Signs and broadcasts one daemon's transactions, one at a time (sequences
 * in order), with cosmjs's SigningStargateClient (offline signer, the remes
 * registry) and CometBFT's broadcast_tx_sync. Never twice for one task: every
 * duty is keyed (a window's gradient, a dispute's vote, …), the key is
 * journaled on disk before the tx leaves, and a key already journaled — or a
 * gradient the chain already holds — is skipped, across restarts too; a
 * gradient's commitment and reveal are skipped only when the chain holds
 * them (their resend is what saves an honest miner's pay for the window and
 * spares it the unrevealed-commitment slash). A node
 * that is down holds the queue until it answers again.
 */
import * as fs from "node:fs";
import { SigningStargateClient } from "@cosmjs/stargate";
import type { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import type { ProtocolCommand } from "../../protocol/commands.ts";
import { encodeObject, remesRegistry } from "../../node/registry.ts";
import { defaultMinGasPrice } from "../../node/home.ts";
import { requiredFee, SdkCode } from "../../node/tx.ts";
import type { ChainFollower } from "./follower.ts";

/** Every daemon and CLI tx pays what a node at `node init`'s default minimum gas price asks (testnet nodes ask the same). */
const GAS_LIMIT = 400_000n;
export const daemonTxFee = {
  amount: [{ denom: "uremes", amount: String(requiredFee(GAS_LIMIT, defaultMinGasPrice)) }],
  gas: String(GAS_LIMIT),
};

/** The duty a command fulfils; undefined for commands that may repeat. */
export const dutyKey = (cmd: ProtocolCommand): string | undefined => {
  switch (cmd.case) {
    case "submitGradient":
      return `gradient/${cmd.value.window}/${cmd.value.shard}`;
    case "commitGradient":
      return `commit-gradient/${cmd.value.window}/${cmd.value.shard}`;
    case "commitAggregation":
      return `commit-aggregation/${cmd.value.window}`;
    case "submitAggregation":
      return `reveal-aggregation/${cmd.value.window}`;
    case "commitTrapJobs":
      return `commit-traps/${cmd.value.window}`;
    case "revealTrapJobs":
      return `reveal-traps/${cmd.value.window}`;
    case "voteLossCheck":
      return `vote/${cmd.value.disputeId}`;
    case "submitArbitrationVerdict":
      return `verdict/${cmd.value.disputeId}`;
    case "proveAvailability":
      return `prove/${cmd.value.challengeId}`;
    case "challengeAggregation":
      return `challenge-aggregation/${cmd.value.aggregationId}`;
    case "challengeGradient":
      return `challenge-gradient/${cmd.value.submissionId}`;
    default:
      return undefined;
  }
};

export interface BroadcastStats {
  sent: number;
  accepted: number;
  rejected: number;
  skipped: number;
}

/**
 * Test hook: R3MES_TEST_LOSE_COMMITS=N makes this daemon lose its first N
 * gradient commitments on the way (journaled, never sent), as a tx dropped
 * from a mempool is lost, so a live testnet can show the resend
 * (test/testnet/reveal-journal.integration.test.ts).
 */
export const TEST_LOSE_COMMITS_ENV = "R3MES_TEST_LOSE_COMMITS";

export class Broadcaster {
  readonly #journal = new Set<string>();
  #commitsToLose = Number(process.env[TEST_LOSE_COMMITS_ENV] ?? 0) || 0;
  readonly #queue: ProtocolCommand[] = [];
  #pumping = false;
  #nextSequence = -1n;
  #signer: SigningStargateClient | undefined;
  readonly stats: BroadcastStats = { sent: 0, accepted: 0, rejected: 0, skipped: 0 };

  constructor(
    readonly follower: ChainFollower,
    readonly wallet: DirectSecp256k1HdWallet,
    readonly address: string,
    readonly journalFile: string,
    readonly beforeSend: () => Promise<void>,
    readonly log: (line: string) => void,
  ) {
    if (fs.existsSync(journalFile))
      for (const k of fs.readFileSync(journalFile, "utf8").split("\n")) if (k) this.#journal.add(k);
  }

  /** Queues `cmd` (sent in order; a failure is logged, and the journal sends a lost commitment or reveal again): always true. */
  submit(cmd: ProtocolCommand): boolean {
    const key = dutyKey(cmd);
    if (key !== undefined) {
      const w =
        cmd.case === "submitGradient" || cmd.case === "commitGradient"
          ? this.follower.state.windows.get(Number(cmd.value.window))
          : undefined;
      const onChain =
        (cmd.case === "submitGradient" && w?.submittedBy.has(this.address)) ||
        (cmd.case === "commitGradient" &&
          (w?.commitments.has(this.address) || w?.submittedBy.has(this.address)));
      // A gradient's commitment and reveal are done only once on chain: one journaled and then lost (a restart
      // before it landed, a dropped tx) goes out again (the reveal journal resends the same bytes), or the
      // window pays nothing, or its commitment expires unrevealed and is slashed. The chain refuses a second
      // copy of one that did land, so a resend costs at most a fee.
      const journaled =
        this.#journal.has(key) && cmd.case !== "submitGradient" && cmd.case !== "commitGradient";
      if (journaled || onChain) {
        this.stats.skipped++;
        this.log(`tx: ${key} already done; not sending it again`);
        return true;
      }
      if (!this.#journal.has(key)) {
        this.#journal.add(key);
        const fd = fs.openSync(this.journalFile, "a");
        fs.writeSync(fd, `${key}\n`);
        fs.fsyncSync(fd);
        fs.closeSync(fd);
      }
    }
    this.#queue.push(cmd);
    void this.#pump();
    return true;
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#queue.length > 0) {
        const cmd = this.#queue[0]!;
        await this.beforeSend();
        await this.#send(cmd);
        this.#queue.shift();
      }
    } catch (e) {
      this.log(`tx: broadcaster stopped: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      this.#pumping = false;
    }
  }

  async #send(cmd: ProtocolCommand): Promise<void> {
    if (cmd.case === "commitGradient" && this.#commitsToLose > 0) {
      this.#commitsToLose--;
      this.log(`tx: commitGradient lost on the way (test hook ${TEST_LOSE_COMMITS_ENV})`);
      return;
    }
    this.#signer ??= await SigningStargateClient.offline(this.wallet, {
      registry: remesRegistry(),
    });
    for (let attempt = 0; attempt < 5; attempt++) {
      const account = this.follower.app.accounts.get(this.address);
      if (!account)
        throw new Error(`account ${this.address} does not exist on chain; fund it first`);
      if (this.#nextSequence < account.sequence) this.#nextSequence = account.sequence;
      const signed = await this.#signer.sign(this.address, [encodeObject(cmd)], daemonTxFee, "", {
        accountNumber: account.number,
        sequence: Number(this.#nextSequence),
        chainId: this.follower.chainId,
      });
      const tx = TxRaw.encode(signed).finish();
      this.stats.sent++;
      const r = await this.follower.call((c) => c.broadcastTxSync({ tx }));
      if (r.code === 0) {
        this.stats.accepted++;
        this.#nextSequence++;
        this.log(
          `tx: ${cmd.case} accepted into the mempool (${Buffer.from(r.hash).toString("hex").toUpperCase()})`,
        );
        return;
      }
      if (r.code === SdkCode.wrongSequence) {
        const m = /expected (\d+)/.exec(r.log ?? "");
        this.#nextSequence = m ? BigInt(m[1]!) : -1n;
        continue;
      }
      this.stats.rejected++;
      this.log(`tx: ${cmd.case} rejected (code ${r.code}): ${r.log ?? ""}`);
      // Refused, the duty is not done: a later try may still go (the chain refuses a true duplicate itself).
      const key = dutyKey(cmd);
      if (key !== undefined) this.#journal.delete(key);
      return;
    }
    this.stats.rejected++;
    this.log(`tx: ${cmd.case} dropped after repeated sequence mismatches`);
  }
}
