/**
 * Panel briber: a lazy miner that, when a dispute over one of its
 * submissions escalates to a tier-3 panel, sends each panel member
 * `bribeUremes` (a plain transfer, visible on chain but not an offence). A
 * mercenary panel member (abstaining_validator with `bribeUremes`) that is
 * paid at least its price by the accused gives no verdict; an honest one
 * keeps the money and judges anyway. Two silent members of three leave the
 * dispute UNDECIDED: the fake is accepted and paid, and the miner keeps the
 * stake a REJECTED outcome would have slashed (slash_lazy_mining_bps, 50%).
 */
import type { GpuArch } from "../../gen/remes/v1/types_pb.ts";
import { command } from "../../protocol/commands.ts";
import type { ProtocolEvent } from "../../protocol/events.ts";
import { authorOf } from "../../protocol/verification/disputes.ts";
import type { ActorInfo } from "../../sim/sink.ts";
import type { Actor, ActorIO } from "../actor.ts";
import { lazy, type LazyFake, Miner } from "../miners.ts";

export class BribingMiner implements Actor {
  readonly role = "miner";
  readonly subscriptions = ["windowOpened", "disputeOpened", "disputeEscalated"] as const;
  readonly #miner: Miner;

  constructor(readonly info: ActorInfo, gpuArch: GpuArch, skipBps: number, fake: LazyFake, effortBps: number | undefined, readonly bribeUremes: bigint) {
    this.#miner = new Miner(info, gpuArch, lazy(skipBps, fake, effortBps));
  }

  reset(): void {
    this.#miner.reset();
  }

  onEvents(events: readonly ProtocolEvent[], io: ActorIO): void {
    this.#miner.onEvents(events, io);
    for (const e of events) {
      // A panel is drawn when a dispute escalates, or when the protocol opens one at tier 3 (a tier-1 mismatch).
      if (e.case !== "disputeEscalated" && !(e.case === "disputeOpened" && e.value.tier === 3)) continue;
      const d = io.chain.state.disputes.get(e.value.disputeId);
      if (!d || authorOf(io.chain.state, d)?.address !== this.info.address) continue;
      for (const v of e.value.panel) io.submit(command("send", { fromAddress: this.info.address, toAddress: v, amount: this.bribeUremes }));
    }
  }
}
