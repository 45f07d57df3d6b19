/**
 * scenarios/attacks/governance_capture.json: a 43% stake coalition passes a
 * parameter change that switches the defences off, after which cheating
 * costs nothing; and which such changes validateParams lets through today.
 */
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ProposalStatus } from "../../../src/gen/remes/v1/events_pb.ts";
import { ParamChangeSchema } from "../../../src/gen/remes/v1/types_pb.ts";
import { snakeKey } from "../../../src/actors/attacks/capture.ts";
import { isProtocolError } from "../../../src/protocol/errors.ts";
import { applyParamChanges, defaultParams } from "../../../src/protocol/params.ts";
import { runScenario } from "../../../src/sim/run.ts";
import { attackScenario, mean, members, observe } from "./chain-helpers.ts";

/** Changes that switch a defence off, and whether governance accepts each today. */
const defenceOff: readonly (readonly [param: string, value: string, accepted: boolean])[] = [
  ["lossToleranceBps", "10000", true], // tier 2 upholds any loss within 100%
  ["trapRateBps", "0", true], // no traps
  ["vaultMaxEntries", "0", true], // the vault is pruned empty
  ["unbondingBlocks", "0", true], // stake leaves before any slash
  ["daSampleRateBps", "0", true], // no availability sampling
  ["slashLazyMiningBps", "0", true],
  ["slashFalseVerificationBps", "0", true],
  ["slashAvailabilityBps", "0", true],
  ["tier2QuorumBps", "0", true],
  ["challengeBondMultiplier", "0", true], // free challenges
  ["tier3PanelSize", "1", true], // one validator decides
  ["minMinersPerShard", "1", true], // no tier-1 peer to compare with
  ["trapCommitteeSize", "1", false], // below trap_threshold (2): refused
  ["tier3PanelSize", "0", false],
  ["tier3PanelSize", "2", false],
  ["trapThreshold", "0", false],
  ["daResponseBlocks", "0", false],
  ["lossToleranceBps", "10001", false],
];

describe("governance capture", () => {
  it("validateParams lets every defence be switched off but a few minimums", () => {
    for (const [param, value, accepted] of defenceOff) {
      const r = applyParamChanges(defaultParams(), [create(ParamChangeSchema, { key: snakeKey(param), value })]);
      expect([param, value, !isProtocolError(r)]).toEqual([param, value, accepted]);
    }
  });

  it("a 43% coalition passes the change when no one else votes, and cheating is free after it", async () => {
    const s = attackScenario("governance_capture");
    const r = await observe(s);
    expect(r.violation).toBeUndefined();
    const [tallied] = r.seen("proposalTallied");
    expect(tallied!.value.status).toBe(ProposalStatus.PASSED);
    expect(tallied!.value.yes * 10_000n).toBeLessThan(tallied!.value.totalStaked * 5_000n);
    const changed = r.seen("paramsChanged")[0]!.value.params!;
    expect([changed.lossToleranceBps, changed.slashLazyMiningBps, changed.trapRateBps, changed.vaultMaxEntries, changed.unbondingBlocks, changed.daSampleRateBps]).toEqual([10_000, 0, 0, 0, 0, 0]);
    const cheats = members(r, "lazy_miner");
    const honest = members(r, "honest_miner");
    for (const c of cheats) expect(c.slashedUremes).toBe(0n);
    // Half their tasks faked, yet paid within 25% of an honest miner: tier 3 still rejects the fakes
    // that meet a same-group peer (a loss tolerance no longer clears a hash), but unslashed they cost nothing.
    expect(mean(cheats, (a) => a.rewardsUremes) * 100n).toBeGreaterThan(mean(honest, (a) => a.rewardsUremes) * 75n);
  });

  it("names a paramChanges key that is not a protocol parameter", async () => {
    const s = attackScenario("governance_capture");
    const bad = { ...s, actors: s.actors.map((g) => (g.kind === "capturing_validator" ? { ...g, paramChanges: { trapRate: 0 } } : g)) };
    await expect(runScenario(bad, { seed: 1, blocks: 1 })).rejects.toThrow(/paramChanges\.trapRate is not a protocol parameter/);
  });

  it("without the change the same cheats are slashed", async () => {
    const s = attackScenario("governance_capture");
    const r = await observe({ ...s, actors: s.actors.map((g) => (g.kind === "capturing_validator" ? { ...g, paramChanges: {} } : g)) });
    expect(r.seen("proposalTallied")).toHaveLength(0);
    const cheats = members(r, "lazy_miner");
    expect(mean(cheats, (a) => a.slashedUremes)).toBeGreaterThan(0n);
    expect(mean(cheats, (a) => a.netUremes)).toBeLessThan(0n);
  });
});
