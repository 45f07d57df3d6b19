/**
 * Forger: an actor that tries to act for addresses it holds no key of — it
 * submits a gradient in a shard miner's name when a window opens, votes on
 * every tier-2 dispute as an active validator and challenges a submission
 * with another account's funds. A node refuses such txs at the signature
 * check; the simulator's engine does the same (engine.ts `#submit`: the
 * command's signer must be the sending actor, else `stats.txsForged`), so
 * none of them ever reaches a block. Its forged gradients declare the kernel
 * version FORGED_KERNEL and its votes the loss FORGED_LOSS, so a test can
 * tell that none was committed.
 */
import { GpuArch, Role } from "../../gen/remes/v1/types_pb.ts";
import { command } from "../../protocol/commands.ts";
import type { ProtocolEvent } from "../../protocol/events.ts";
import { activeOfRole } from "../../protocol/staking.ts";
import { roleKey } from "../../protocol/state.ts";
import { requiredBond } from "../../protocol/verification/tier2.ts";
import type { ActorInfo } from "../kinds.ts";
import type { Actor, ActorIO } from "../actor.ts";
import { randomFake } from "../miners.ts";

export const FORGED_KERNEL = "forged";
export const FORGED_LOSS = 4_242_424n;

export class Forger implements Actor {
  readonly role = "client";
  readonly subscriptions = ["windowOpened", "disputeOpened"] as const;
  /** Txs it sent in another's name. */
  attempts = 0;

  constructor(readonly info: ActorInfo) {}

  reset(): void {}

  onEvents(events: readonly ProtocolEvent[], io: ActorIO): void {
    const state = io.chain.state;
    for (const e of events) {
      if (e.case === "windowOpened") {
        const assigned = [...(state.windows.get(Number(e.value.window))?.assignment ?? [])].sort(
          ([a], [b]) => (a < b ? -1 : 1),
        );
        if (assigned.length === 0) continue;
        const [victim, shard] = io.prng.pick(assigned);
        const r = randomFake(io);
        this.#send(
          io,
          command("submitGradient", {
            miner: victim,
            window: e.value.window,
            shard,
            gradientCid: r.cid,
            gradientHash: r.gradientHash,
            daRoot: r.daRoot,
            sizeBytes: r.sizeBytes,
            claimedLossMicro: r.claimedLossMicro,
            gpuArch: state.roles.get(roleKey(Role.MINER, victim))?.gpuArch ?? GpuArch.AMPERE,
            kernelVersion: FORGED_KERNEL,
          }),
        );
        const live = io.world.queries.live(state, Number(e.value.window) - 1);
        if (live.length > 0) {
          const s = io.prng.pick(live);
          const rich = [...state.balances]
            .filter(
              ([a, b]) => a !== s.miner && a !== this.info.address && b >= requiredBond(state),
            )
            .sort(([a], [b]) => (a < b ? -1 : 1));
          if (rich.length > 0)
            this.#send(
              io,
              command("challengeGradient", {
                challenger: io.prng.pick(rich)[0],
                submissionId: s.id,
                bond: requiredBond(state),
              }),
            );
        }
      } else if (e.case === "disputeOpened" && e.value.tier === 2) {
        for (const v of activeOfRole(state, Role.VALIDATOR)) {
          this.#send(
            io,
            command("voteLossCheck", {
              validator: v.address,
              disputeId: e.value.disputeId,
              computedLossMicro: FORGED_LOSS,
            }),
          );
        }
      }
    }
  }

  #send(io: ActorIO, cmd: Parameters<ActorIO["submit"]>[0]): void {
    this.attempts++;
    io.submit(cmd);
  }
}
