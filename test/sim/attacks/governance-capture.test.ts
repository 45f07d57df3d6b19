/**
 * scenarios/attacks/governance_capture.json: a 43% stake coalition proposes a
 * parameter change that switches the defences off. Before issue 13 it
 * passed and cheating cost nothing; now validateParams refuses every such
 * change, so the proposal is refused at submission and the cheats lose.
 */
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ParamChangeSchema } from "../../../src/gen/remes/v1/types_pb.ts";
import { snakeKey } from "../../../src/actors/attacks/capture.ts";
import { isProtocolError } from "../../../src/protocol/errors.ts";
import { applyParamChanges, defaultParams } from "../../../src/protocol/params.ts";
import { runScenario } from "../../../src/sim/run.ts";
import { attackScenario, mean, members, observe } from "./chain-helpers.ts";

/** Changes that switch a defence off: validateParams refuses every one, naming the parameter (it accepted all but the last five before issue 13). */
const defenceOff: readonly (readonly [param: string, value: string])[] = [
  ["lossToleranceBps", "10000"], // tier 2 upholds any loss within 100%
  ["trapRateBps", "0"], // no traps
  ["vaultMaxEntries", "0"], // the vault is pruned empty
  ["unbondingBlocks", "0"], // stake leaves before any slash
  ["daSampleRateBps", "0"], // no availability sampling
  ["slashLazyMiningBps", "0"],
  ["slashFalseVerificationBps", "0"],
  ["slashAvailabilityBps", "0"],
  ["tier2QuorumBps", "0"],
  ["challengeBondMultiplier", "0"], // free challenges
  ["tier3PanelSize", "1"], // one validator decides
  ["minMinersPerShard", "1"], // no tier-1 peer to compare with
  ["trapCommitteeSize", "1"], // below trap_threshold (2)
  ["tier3PanelSize", "0"],
  ["tier3PanelSize", "2"],
  ["trapThreshold", "0"],
  ["daResponseBlocks", "0"],
  ["lossToleranceBps", "10001"],
];

describe("governance capture", () => {
  it("validateParams refuses every defence-off change and names the parameter", () => {
    for (const [param, value] of defenceOff) {
      const r = applyParamChanges(defaultParams(), [
        create(ParamChangeSchema, { key: snakeKey(param), value }),
      ]);
      expect([param, value, isProtocolError(r) && r.message.includes(snakeKey(param))]).toEqual([
        param,
        value,
        true,
      ]);
    }
  });

  it("a 43% coalition cannot even submit the change, and the cheats are slashed and lose money", async () => {
    const s = attackScenario("governance_capture");
    const r = await observe(s);
    expect(r.violation).toBeUndefined();
    // The proposal is refused at submission (checkContent runs applyParamChanges): nothing to vote on, nothing changes.
    expect(r.seen("proposalSubmitted")).toHaveLength(0);
    expect(r.seen("paramsChanged")).toHaveLength(0);
    const cheats = members(r, "lazy_miner");
    const honest = members(r, "honest_miner");
    for (const c of cheats) expect(c.slashedUremes).toBeGreaterThan(0n);
    expect(mean(cheats, (a) => a.netUremes)).toBeLessThan(0n);
    expect(mean(cheats, (a) => a.netUremes)).toBeLessThan(mean(honest, (a) => a.netUremes));
  });

  it("names a paramChanges key that is not a protocol parameter", async () => {
    const s = attackScenario("governance_capture");
    const bad = {
      ...s,
      actors: s.actors.map((g) =>
        g.kind === "capturing_validator" ? { ...g, paramChanges: { trapRate: 0 } } : g,
      ),
    };
    await expect(runScenario(bad, { seed: 1, blocks: 1 })).rejects.toThrow(
      /paramChanges\.trapRate is not a protocol parameter/,
    );
  });

  it("without the change the same cheats are slashed", async () => {
    const s = attackScenario("governance_capture");
    const r = await observe({
      ...s,
      actors: s.actors.map((g) =>
        g.kind === "capturing_validator" ? { ...g, paramChanges: {} } : g,
      ),
    });
    expect(r.seen("proposalTallied")).toHaveLength(0);
    const cheats = members(r, "lazy_miner");
    expect(mean(cheats, (a) => a.slashedUremes)).toBeGreaterThan(0n);
    expect(mean(cheats, (a) => a.netUremes)).toBeLessThan(0n);
  });
});
