/**
 * Panel briber: a lazy miner that, when a dispute over one of its
 * submissions escalates to a tier-3 panel, sends each panel member
 * `bribeUremes` (a plain transfer, visible on chain but not an offence). A
 * mercenary panel member (abstaining_validator with `bribeUremes`) that is
 * paid at least its price by the accused gives no verdict; an honest one
 * keeps the money and judges anyway. Before issue 13 two silent members of
 * three left the dispute UNDECIDED: the fake was accepted and paid, and the
 * miner kept its stake. Now silence is slashed and the panel re-drawn
 * (panel-rounds.ts), and it bribes each re-drawn panel too.
 */
import type { GpuArch } from "../../gen/remes/v1/types_pb.ts";
import { command } from "../../protocol/commands.ts";
import type { ProtocolEvent } from "../../protocol/events.ts";
import { authorOf } from "../../protocol/verification/disputes.ts";
import type { ActorInfo } from "../kinds.ts";
import type { Actor, ActorIO } from "../actor.ts";
import { lazy, type LazyFake, Miner } from "../miners.ts";

export class BribingMiner implements Actor {
  readonly role = "miner";
  readonly subscriptions = [
    "windowOpened",
    "disputeOpened",
    "disputeEscalated",
    "panelRedrawn",
  ] as const;
  readonly #miner: Miner;

  constructor(
    readonly info: ActorInfo,
    gpuArch: GpuArch,
    skipBps: number,
    fake: LazyFake,
    effortBps: number | undefined,
    readonly bribeUremes: bigint,
  ) {
    this.#miner = new Miner(info, gpuArch, lazy(skipBps, fake, effortBps));
  }

  reset(): void {
    this.#miner.reset();
  }

  onEvents(events: readonly ProtocolEvent[], io: ActorIO): void {
    this.#miner.onEvents(events, io);
    for (const e of events) {
      // A panel is drawn when a dispute escalates, or when the protocol opens one at tier 3 (a tier-1 mismatch).
      // A re-drawn panel (panel-rounds.ts) is bribed too: its fresh members, not those already judging.
      if (
        e.case !== "disputeEscalated" &&
        e.case !== "panelRedrawn" &&
        !(e.case === "disputeOpened" && e.value.tier === 3)
      )
        continue;
      const d = io.chain.state.disputes.get(Number(e.value.disputeId));
      if (!d || authorOf(io.chain.state, d)?.address !== this.info.address) continue;
      for (const v of e.value.panel)
        if (!d.verdicts.has(v))
          io.submit(
            command("send", {
              fromAddress: this.info.address,
              toAddress: v,
              amount: this.bribeUremes,
            }),
          );
    }
  }
}
