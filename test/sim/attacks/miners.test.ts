/**
 * Miner-side attacks on the protocol as it is (scenarios/attacks/, src/actors/attacks/).
 * Each test runs its scenario's short form and pins what it exhibits: who is
 * paid, who loses, and by which mechanism (read from the committed events).
 * These pin the holes the hardening issue closes; when it does, these tests
 * change sign, on purpose (the loss copier's already has: tier-3 recomputation).
 */
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { DisputeOutcome, RewardKind } from "../../../src/gen/remes/v1/events_pb.ts";
import { FORGED_KERNEL, FORGED_LOSS } from "../../../src/actors/attacks/forger.ts";
import type { ProtocolEvent } from "../../../src/protocol/events.ts";
import { defaultParams } from "../../../src/protocol/params.ts";
import { type ActorSummary, runScenario } from "../../../src/sim/run.ts";
import { loadScenario, type Scenario } from "../../../src/sim/scenario.ts";

const dir = resolve(import.meta.dirname, "../../../scenarios/attacks");

type Ev<C extends ProtocolEvent["case"]> = Extract<ProtocolEvent, { case: C }>["value"];

const run = async (name: string, edit: (s: Scenario) => Scenario = (s) => s) => {
  const s = edit(loadScenario(resolve(dir, `${name}.json`)));
  const events: ProtocolEvent[] = [];
  const r = await runScenario(s, {
    seed: s.seed ?? 1,
    blocks: s.shortBlocks ?? s.blocks,
    sink: {
      start() {},
      end() {},
      block: (b) => {
        events.push(...b.events);
      },
    },
  });
  expect(r.violation).toBeUndefined();
  const of = <C extends ProtocolEvent["case"]>(c: C) =>
    events.filter((e) => e.case === c).map((e) => e.value as Ev<C>);
  const subs = new Map(of("gradientSubmitted").map((g) => [Number(g.submissionId), g]));
  const group = (kind: string, g?: string) =>
    r.actors.filter((a) => a.kind === kind && (g === undefined || a.group === g));
  // Trap audits: the tier-3 disputes a reveal opens right after its trapRevealed event (protocol/traps.ts).
  const audits = new Map<number, number>();
  let afterReveal = false;
  for (const e of events) {
    if (e.case === "trapRevealed") afterReveal = true;
    else if (e.case === "disputeOpened" && afterReveal)
      audits.set(Number(e.value.disputeId), Number(e.value.subjectId));
    else afterReveal = false;
  }
  /** Trap audits of `who`: how often the panel's recomputation upheld (passed) and rejected (caught) their work. */
  const trapRecord = (who: readonly ActorSummary[]) => {
    const set = new Set(who.map((a) => a.address));
    let passed = 0;
    let caught = 0;
    for (const d of of("disputeResolved")) {
      const id = audits.get(Number(d.disputeId));
      if (id === undefined || !set.has(subs.get(id)!.miner)) continue;
      if (d.outcome === DisputeOutcome.UPHELD) passed++;
      else if (d.outcome === DisputeOutcome.REJECTED) caught++;
    }
    return { passed, caught };
  };
  return { r, of, subs, group, trapRecord, audits };
};

/** The attack scenarios keep the default bond: challenge_bond_multiplier × base_miner_reward. */
const BOND = BigInt(defaultParams().challengeBondMultiplier) * defaultParams().baseMinerReward;

const mean = (as: readonly ActorSummary[], f: (a: ActorSummary) => bigint): number =>
  Number(as.reduce((t, a) => t + f(a), 0n)) / as.length / 1e6;
const net = (a: ActorSummary) => a.netUremes;
const rewards = (a: ActorSummary) => a.rewardsUremes;
describe("loss copier / stale resubmitter", () => {
  it("is rejected by tier-3 recomputation and slashed, loses against honest miners, and the watchdog loses no bond", async () => {
    const { r, of, subs, group } = await run("loss_copier");
    const honest = group("honest_miner");
    const spotting = group("loss_copying_miner", "spotting");
    const plain = group("loss_copying_miner", "plain");
    const watchdog = group("watchdog_challenger")[0]!;
    const copiers = new Set([...spotting, ...plain].map((a) => a.address));
    const isCopier = (submissionId: number | bigint) =>
      copiers.has(subs.get(Number(submissionId))!.miner);

    // Tier 1 flags the stale hashes, and the protocol sends every mismatch straight to a tier-3 panel.
    const tier1 = of("tier1Evaluated").flatMap((t) => t.mismatchedIds);
    expect(tier1.some(isCopier)).toBe(true);
    const opened = new Map(of("disputeOpened").map((d) => [Number(d.disputeId), d]));
    for (const d of opened.values()) if (d.challenger === "") expect(d.tier).toBe(3);
    // The panel's recomputed hash never equals a copier's: every decided dispute on a copy is rejected.
    const verdicts = of("arbitrationVerdictCast");
    for (const v of verdicts) {
      const s = subs.get(Number(opened.get(Number(v.disputeId))!.subjectId))!;
      expect(v.recomputedHash).toHaveLength(32);
      expect(v.valid).toBe(
        Buffer.compare(Buffer.from(v.recomputedHash), Buffer.from(s.gradientHash)) === 0,
      );
      if (copiers.has(s.miner)) expect(v.valid).toBe(false);
    }
    const resolved = of("disputeResolved");
    const onCopier = resolved.filter((d) => isCopier(opened.get(Number(d.disputeId))!.subjectId));
    expect(onCopier.length).toBeGreaterThan(0);
    for (const d of onCopier)
      expect(d).toMatchObject({ tier: 3, outcome: DisputeOutcome.REJECTED });
    // What tier 3 upholds is honest work that tied with a copy in its group.
    for (const d of resolved.filter((x) => x.outcome === DisputeOutcome.UPHELD))
      expect(isCopier(opened.get(Number(d.disputeId))!.subjectId)).toBe(false);
    const disputeSlashes = of("slashed").filter((x) => x.offenceKey.startsWith("dispute/"));
    for (const x of disputeSlashes) expect(copiers.has(x.address)).toBe(true);
    expect(new Set(disputeSlashes.map((x) => x.address)).size).toBeGreaterThan(0);

    // The watchdog never bonds against an acquittal by recomputation: it loses nothing.
    expect(
      resolved.filter((d) => opened.get(Number(d.disputeId))!.challenger === watchdog.address),
    ).toEqual([]);
    expect(watchdog.netUremes).toBe(0n);

    // Both copier groups are slashed and end far below an honest miner, trap spotting or not.
    // (a copier whose only fakes fell in the run's last windows may not be judged yet)
    for (const g of [spotting, plain])
      expect(g.filter((a) => a.slashedUremes > 0n).length).toBeGreaterThanOrEqual(g.length - 1);
    expect(mean(spotting, net)).toBeLessThan(0);
    expect(mean(plain, net)).toBeLessThan(0);
    expect(mean(honest, net)).toBeGreaterThan(0);
    expect(r.stats.txsForged).toBe(0);
  });
});

describe("group isolator and the architecture-declaring copycat", () => {
  it("can not pick its tier-1 group: every declared architecture is the registered one and every kernel version approved, so isolators and the declaring copycat earn less than honest miners", async () => {
    const { subs, group } = await run("isolator");
    const honest = group("honest_miner");
    const archName = (a: number) =>
      ["", "CPU", "PASCAL", "AMPERE", "ADA", "HOPPER", "BLACKWELL"][a];
    const registered = new Map(
      [...group("isolated_miner"), ...group("copycat_miner")].map((a) => [a.address, a.gpuArch]),
    );

    // Nothing committed declares an architecture its miner did not register or an unapproved kernel version.
    for (const s of subs.values()) {
      expect(s.kernelVersion).toBe("sim/1");
      if (registered.has(s.miner)) expect(archName(s.gpuArch)).toBe(registered.get(s.miner));
    }
    // The isolators' fakes are refused, so the plain isolators are never paid; the spotting ones only for the traps they trained.
    expect(mean(group("isolated_miner", "kernel"), rewards)).toBe(0);
    for (const g of ["kernel_spotting", "arch_spotting"]) {
      const spotting = group("isolated_miner", g);
      expect(mean(spotting, rewards)).toBeLessThan(0.5 * mean(honest, rewards));
      expect(mean(spotting, net)).toBeLessThan(mean(honest, net));
    }
    // The declaring copycat's copies of another architecture are refused (checked above: all it committed is under
    // its own), so declaring gains nothing over the plain copycat. Copying a same-architecture peer's hash is still
    // VERIFIED: that is copy detection, not isolation (scenarios/attacks/README.md).
    const declaring = group("copycat_miner", "declaring");
    const settledSubs = (as: readonly ActorSummary[]) =>
      [...subs.values()].filter((x) => as.some((a) => a.address === x.miner)).length;
    expect(settledSubs(declaring)).toBeLessThan(
      (settledSubs(honest) / honest.length) * declaring.length,
    );
    expect(mean(honest, net)).toBeGreaterThan(0);
  });
});

describe("trap spotter", () => {
  it("can no longer recognise traps: trap audits catch it at the trap rate like a lazy miner, and it loses against honest work", async () => {
    const { of, subs, group, trapRecord } = await run("trap_spotter");
    const honest = group("honest_miner");
    const spotter = group("trap_spotting_miner");
    const copier = group("loss_copying_miner");
    const lazy = group("lazy_miner");

    // Before: spotters were never caught by a trap (every trap replayed another job). Now every audit of their fakes is rejected.
    const spotters = trapRecord([...spotter, ...copier]);
    expect(spotters.caught).toBeGreaterThan(0);
    expect(spotters.passed).toBe(0);
    expect(trapRecord(lazy).passed).toBe(0);
    expect(trapRecord(honest).caught).toBe(0);
    expect(trapRecord(honest).passed).toBeGreaterThan(0);

    // It never spots a trap, so it never trains: its hash is never an honest peer's.
    const honestSet = new Set(honest.map((a) => a.address));
    const honestHashes = new Set(
      [...subs.values()]
        .filter((s) => honestSet.has(s.miner))
        .map((s) => `${s.window}/${s.shard}/${Buffer.from(s.gradientHash).toString("hex")}`),
    );
    const spotterSet = new Set(spotter.map((a) => a.address));
    const own = [...subs.values()].filter((s) => spotterSet.has(s.miner));
    expect(own.length).toBeGreaterThan(0);
    for (const s of own)
      expect(
        honestHashes.has(`${s.window}/${s.shard}/${Buffer.from(s.gradientHash).toString("hex")}`),
      ).toBe(false);

    for (const a of [...spotter, ...copier]) expect(a.slashedUremes).toBeGreaterThan(0n);
    expect(mean(spotter, net)).toBeLessThan(0);
    expect(mean(copier, net)).toBeLessThan(0);
    expect(mean(spotter, net)).toBeLessThan(mean(honest, net));
    expect(mean(copier, rewards)).toBeLessThan(0.5 * mean(honest, rewards));
    expect(of("trapRevealed").length).toBeGreaterThan(0);
  });
});

describe("self-challenge farmer", () => {
  it("gains nothing: its challenges wait for the window to close, it cannot vote on them, and the verifiers are paid out of its own bonds (nothing minted)", async () => {
    const { r, of, subs, group } = await run("self_challenge");
    const farmer = group("farming_validator")[0]!;
    const farm = group("honest_miner", "farm");
    const farmSet = new Set(farm.map((a) => a.address));

    const own = of("disputeOpened").filter((d) => d.challenger === farmer.address);
    expect(own.length).toBeGreaterThan(5);
    for (const d of own) expect(farmSet.has(subs.get(Number(d.subjectId))!.miner)).toBe(true);
    // Every one is opened after its window closed (opened at deadline − tier2VotingBlocks).
    const closeOf = new Map(
      of("windowOpened").map((w) => [Number(w.window), Number(w.startHeight) + 19]),
    );
    for (const d of own)
      expect(Number(d.deadline) - 3).toBeGreaterThan(closeOf.get(Number(d.window))!);
    const ownIds = new Set(own.map((d) => d.disputeId));
    const done = of("disputeResolved").filter((d) => ownIds.has(d.disputeId));
    expect(done.length).toBeGreaterThan(0);
    for (const d of done) expect(d.outcome).toBe(DisputeOutcome.UPHELD);
    // It never judges its own dispute, and verification is never minted: the pay comes out of the bond.
    expect(
      of("lossVoteCast").filter((v) => ownIds.has(v.disputeId) && v.validator === farmer.address),
    ).toEqual([]);
    const paid = of("verifierPaid").filter((p) => ownIds.has(p.disputeId));
    expect(paid.length).toBeGreaterThan(0);
    expect(paid.every((p) => p.validator !== farmer.address && p.source === "module:escrow")).toBe(
      true,
    );
    // What it is minted is block pay and pay for protocol audits it sat on (disputes nobody bonded), never its own disputes.
    const audits = new Set(
      of("disputeOpened")
        .filter((d) => d.challenger === "")
        .map((d) => d.disputeId),
    );
    const auditVerdicts = of("arbitrationVerdictCast").filter(
      (v) => audits.has(v.disputeId) && v.validator === farmer.address,
    ).length;
    const mintedForVerifying = of("rewardMinted").filter(
      (m) => m.to === farmer.address && m.kind === RewardKind.VALIDATOR,
    );
    expect(mintedForVerifying.length).toBeLessThanOrEqual(auditVerdicts);
    // The coalition ends below the same miners plus an unpaid validator: it loses the verifiers' pay (and any bond in flight).
    const coalitionNet = farm.reduce((t, a) => t + a.netUremes, 0n) + farmer.netUremes;
    const farmRewards = farm.reduce((t, a) => t + a.rewardsUremes, 0n);
    const paidOut = paid.reduce((t, p) => t + p.amount, 0n);
    const inFlight = BigInt(own.length - done.length) * BOND;
    expect(coalitionNet).toBe(farmRewards + farmer.rewardsUremes - paidOut - inFlight);
    // Farming only costs it: the coalition ends below its own miners' and validator's earnings by the verifiers' pay.
    expect(paidOut).toBeGreaterThan(0n);
    expect(coalitionNet).toBeLessThan(farmRewards + farmer.rewardsUremes);
    expect(r.stats.txsForged).toBe(0);
  });
});

describe("the engine's signer check", () => {
  it("drops every tx an actor sends in another address's name: none reaches a block, txsForged counts them", async () => {
    const { r, of } = await run("forger");
    const clean = await run("forger", (s) => ({
      ...s,
      actors: s.actors.filter((g) => g.kind !== "forger"),
    }));
    expect(clean.r.stats.txsForged).toBe(0);
    // Per window it forges a gradient (and a challenge once there is work to challenge); per tier-2 dispute a vote per validator.
    const windows = of("windowOpened").length;
    const votes = 3 * of("disputeOpened").filter((d) => d.tier === 2).length;
    expect(r.stats.txsForged).toBeGreaterThanOrEqual(windows - 1 + votes - 3);
    expect(r.stats.txsForged).toBeLessThanOrEqual(2 * windows + votes);
    expect(of("gradientSubmitted").some((g) => g.kernelVersion === FORGED_KERNEL)).toBe(false);
    expect(of("lossVoteCast").some((v) => v.computedLossMicro === FORGED_LOSS)).toBe(false);
    const forger = r.actors.find((a) => a.kind === "forger")!;
    expect(of("disputeOpened").some((d) => d.challenger === forger.address)).toBe(false);
    expect(forger.netUremes).toBe(0n);
  });
});
