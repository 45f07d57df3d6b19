/**
 * Unbond-before-slash: a lazy miner that, once a fake submission is on chain,
 * unbonds its whole stake, and bonds it again only after the window it faked
 * in has settled (no dispute, trap or availability slash can reach that
 * window's work after settlement). A slash reaches bonded stake and unbonding
 * entries (slashing.ts `stakeAtRisk`), so the stake escapes only when its
 * unbonding completes before the first slash lands: when unbonding_blocks is
 * shorter than the time from a submission to its window's close (traps and
 * availability challenges are judged after it). With the default 21 days it
 * escapes nothing; after a governance capture that sets unbonding to 0, it
 * escapes every slash.
 */
import { Role } from "../../gen/remes/v1/types_pb.ts";
import { command } from "../../protocol/commands.ts";
import type { ProtocolEvent } from "../../protocol/events.ts";
import { roleKey } from "../../protocol/state.ts";
import type { ActorInfo } from "../kinds.ts";
import type { Actor, ActorIO } from "../actor.ts";
import type { GpuArch } from "../../gen/remes/v1/types_pb.ts";
import { lazy, type LazyFake, Miner, type MinerBehaviour } from "../miners.ts";

export class UnbondingMiner implements Actor {
  readonly role = "miner";
  readonly subscriptions = [
    "windowOpened",
    "gradientSubmitted",
    "unbondingStarted",
    "unbondingCompleted",
    "windowSettled",
  ] as const;
  readonly #miner: Miner;
  /** Submission hashes (hex) it faked, to tell its fakes from its honest work. */
  #faked = new Set<string>();
  /** Windows it faked in whose stake is out, and its unbonding entries by id. */
  #waiting = new Set<number>();
  #entries = new Map<number, bigint>();
  /** Stake that came back from unbonding and is to be bonded again. */
  #toRebond = 0n;

  constructor(
    readonly info: ActorInfo,
    gpuArch: GpuArch,
    skipBps: number,
    fake: LazyFake,
    effortBps?: number,
  ) {
    const inner = lazy(skipBps, fake, effortBps);
    const behaviour: MinerBehaviour = {
      ...inner,
      work: (m, task, io) => {
        const before = m.lastReal;
        const w = inner.work(m, task, io);
        // lazy() records each honest result as lastReal; a fake leaves it as it was.
        if (w && w !== "later" && m.lastReal === before)
          this.#faked.add(Buffer.from(w.result.gradientHash).toString("hex"));
        return w;
      },
    };
    this.#miner = new Miner(info, gpuArch, behaviour);
  }

  reset(): void {
    this.#miner.reset();
    this.#faked = new Set();
    this.#waiting = new Set();
    this.#entries = new Map();
    this.#toRebond = 0n;
  }

  onEvents(events: readonly ProtocolEvent[], io: ActorIO): void {
    this.#miner.onEvents(events, io);
    const me = this.info.address;
    for (const e of events) {
      if (
        e.case === "gradientSubmitted" &&
        e.value.miner === me &&
        this.#faked.delete(Buffer.from(e.value.gradientHash).toString("hex"))
      ) {
        const stake = io.chain.state.roles.get(roleKey(Role.MINER, me))?.stake ?? 0n;
        this.#waiting.add(Number(e.value.window));
        if (stake > 0n)
          io.submit(command("unbond", { address: me, role: Role.MINER, amount: stake }));
      } else if (e.case === "unbondingStarted" && e.value.address === me)
        this.#entries.set(Number(e.value.entryId), e.value.amount);
      else if (e.case === "unbondingCompleted" && this.#entries.has(Number(e.value.entryId))) {
        this.#toRebond += this.#entries.get(Number(e.value.entryId))!;
        this.#entries.delete(Number(e.value.entryId));
        this.#rebond(io);
      } else if (e.case === "windowSettled" && this.#waiting.delete(Number(e.value.window)))
        this.#rebond(io);
    }
  }

  /** Bonds the returned stake again once no faked window is pending and no entry is out. */
  #rebond(io: ActorIO): void {
    if (this.#waiting.size > 0 || this.#entries.size > 0 || this.#toRebond === 0n) return;
    const balance = io.chain.state.balances.get(this.info.address) ?? 0n;
    const amount = balance < this.#toRebond ? balance : this.#toRebond;
    this.#toRebond = 0n;
    if (amount > 0n)
      io.submit(command("bond", { address: this.info.address, role: Role.MINER, amount }));
  }
}
