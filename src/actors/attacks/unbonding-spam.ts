/**
 * Unbonding spam: a miner that mines honestly and, every block, sends
 * `perBlock` unbondings of 1 uremes each. Each opens an unbonding entry that
 * lives unbonding_blocks (21 days by default) and costs the spammer nothing:
 * the simulator charges no fee and the uremes stay its own (wealth counts
 * unbonding stake). The chain pays: every block's `completeUnbondings` scans
 * every entry, and every slash (`stakeAtRisk`, `evolveSlashed`) scans them
 * again, so block time grows with the number of entries
 * (bench/unbonding-spam.ts measures it).
 */
import { Role } from "../../gen/remes/v1/types_pb.ts";
import type { GpuArch } from "../../gen/remes/v1/types_pb.ts";
import { command } from "../../protocol/commands.ts";
import type { ProtocolEvent } from "../../protocol/events.ts";
import { roleKey } from "../../protocol/state.ts";
import type { ActorInfo } from "../kinds.ts";
import type { Actor, ActorIO } from "../actor.ts";
import { honest, Miner } from "../miners.ts";

export class UnbondingSpammer implements Actor {
  readonly role = "miner";
  readonly subscriptions = ["windowOpened"] as const;
  readonly #miner: Miner;
  #ticking = false;

  constructor(
    readonly info: ActorInfo,
    gpuArch: GpuArch,
    readonly perBlock: number,
  ) {
    this.#miner = new Miner(info, gpuArch, honest);
  }

  reset(): void {
    this.#miner.reset();
    this.#ticking = false;
  }

  onEvents(events: readonly ProtocolEvent[], io: ActorIO): void {
    this.#miner.onEvents(events, io);
    if (!this.#ticking) {
      this.#ticking = true;
      this.#tick(io);
    }
  }

  #tick(io: ActorIO): void {
    // Keep the stake above the minimum so the miner keeps its shards: spend only what is over it.
    const state = io.chain.state;
    const stake = state.roles.get(roleKey(Role.MINER, this.info.address))?.stake ?? 0n;
    const spare = stake - state.params.minMinerStake;
    const n = spare < BigInt(this.perBlock) ? Number(spare > 0n ? spare : 0n) : this.perBlock;
    for (let k = 0; k < n; k++)
      io.submit(command("unbond", { address: this.info.address, role: Role.MINER, amount: 1n }));
    io.wake(io.blockTimeMs, () => this.#tick(io));
  }
}
