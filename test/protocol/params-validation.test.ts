/**
 * Governance parameters are validated as a whole (issue 13): every change
 * that would switch a defence off or break an invariant is refused with an
 * error naming the parameter, genesis goes through the same rules, and for
 * generated parameter sets every accepted one runs a short chain with the
 * state invariants intact while every rejected one names a parameter.
 */
import { create } from "@bufbuild/protobuf";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GenesisStateSchema } from "../../src/gen/remes/v1/genesis_pb.ts";
import { type Params, ParamsSchema } from "../../src/gen/remes/v1/params_pb.ts";
import { ParamChangeSchema } from "../../src/gen/remes/v1/types_pb.ts";
import { labelAddress as addr } from "../../src/protocol/address.ts";
import { isProtocolError } from "../../src/protocol/errors.ts";
import { initChain } from "../../src/protocol/genesis.ts";
import { checkState } from "../../src/protocol/invariants.ts";
import {
  applyParamChanges,
  defaultParams,
  longestSlashingDelay,
  MAX_AMOUNT,
  ruledFields,
  validateParams,
} from "../../src/protocol/params.ts";
import { settleDelay } from "../../src/protocol/windows.ts";
import { commitmentOf, given, hashOf, submission } from "./given.ts";

const change = (key: string, value: string) => create(ParamChangeSchema, { key, value });
const snakeFields = new Set(ParamsSchema.fields.map((f) => f.name));

/** Changes that each switch a defence off or break an invariant, from the default parameters. */
const defenceOff: readonly (readonly [key: string, value: string])[] = [
  ["loss_tolerance_bps", "10000"], // tier 2 would uphold any claimed loss
  ["trap_rate_bps", "0"], // no traps
  ["vault_max_entries", "0"], // the vault pruned empty
  ["vault_reuse_per_window", "0"], // the vault never refilled
  ["unbonding_blocks", "0"], // stake leaves before any slash
  ["gradient_reveal_blocks", "0"], // no reveal period: a window could not take reveals
  ["gradient_reveal_blocks", "100"], // a reveal period as long as the window
  ["slash_unrevealed_commit_bps", "0"], // withholding a committed fake would be free
  ["da_sample_rate_bps", "0"], // no availability sampling
  ["slash_lazy_mining_bps", "0"],
  ["slash_false_verification_bps", "0"],
  ["slash_availability_bps", "0"],
  ["slash_double_sign_bps", "0"],
  ["slash_proposer_fault_bps", "0"],
  ["challenger_reward_bps", "0"],
  ["tier2_quorum_bps", "0"],
  ["quorum_bps", "0"],
  ["threshold_bps", "0"],
  ["threshold_bps", "4999"],
  ["challenge_bond_multiplier", "0"],
  ["da_challenge_bond", "0"],
  ["challenge_window_blocks", "0"],
  ["aggregation_challenge_blocks", "0"],
  ["tier3_panel_size", "1"],
  ["min_miners_per_shard", "1"],
  ["trap_committee_size", "1"], // below trap_threshold (2)
  ["trap_reveal_blocks", "0"],
  ["quality_optimistic_bps", "10000"], // unchecked work paid as verified
  ["min_miner_stake", "0"],
  ["min_validator_stake", "0"],
  ["deposit_parameter_change", "0"],
  ["tallied_proposal_retention_blocks", "0"], // a finished proposal pruned at once: never queryable
  ["tallied_proposal_retention_blocks", "518401"], // over 30 days of finished proposals held in state
  ["base_miner_reward", "18446744073709551615"], // one window's rewards would overflow
  ["proposer_reward", "9223372036854775808"], // 2^63
];

describe("validateParams: a defence cannot be switched off", () => {
  it("the default parameters are valid", () => {
    expect(validateParams(defaultParams())).toBeUndefined();
  });

  it("refuses each defence-off change, naming the parameter", () => {
    for (const [key, value] of defenceOff) {
      // Given the default parameters, when governance applies the change, then it is refused and the error names it.
      const r = applyParamChanges(defaultParams(), [change(key, value)]);
      expect(
        isProtocolError(r) ? r.message.includes(key) || r.message : "accepted",
        `${key} = ${value}`,
      ).toBe(true);
    }
  });

  it("a window settling after the stake left is refused: unbonding must outlast window + reveal period + settle delay", () => {
    const p = defaultParams();
    const least = longestSlashingDelay(p);
    expect(least).toBe(p.windowBlocks + p.gradientRevealBlocks + settleDelay(p));
    expect(
      isProtocolError(applyParamChanges(p, [change("unbonding_blocks", String(least - 1))])),
    ).toBe(true);
    expect(isProtocolError(applyParamChanges(p, [change("unbonding_blocks", String(least))]))).toBe(
      false,
    );
    // Lengthening a deadline past the unbonding period is refused the same way, naming unbonding_blocks.
    const short = applyParamChanges(p, [change("unbonding_blocks", String(least))]);
    const r = applyParamChanges(short as Params, [
      change("tier3_deadline_blocks", String(p.tier3DeadlineBlocks + 1)),
    ]);
    expect(isProtocolError(r) && r.message).toMatch(
      /^unbonding_blocks must be at least the longest slashing delay/,
    );
  });

  it("genesis parameters go through the same rules", () => {
    const g = create(GenesisStateSchema, { params: { ...defaultParams(), trapRateBps: 0 } });
    const r = initChain(g);
    expect(isProtocolError(r) && r.message).toMatch(/^trap_rate_bps must not be 0/);
  });

  it("a genesis supply over 2^63 - 1 uremes is refused", () => {
    const accounts = [addr("remes1a"), addr("remes1b")].map((address) => ({
      address,
      balance: 2n ** 62n,
    }));
    const r = initChain(create(GenesisStateSchema, { accounts }));
    expect(isProtocolError(r) && r.message).toMatch(
      /^genesis supply \(balances \+ stakes\) is 9223372036854775808 uremes, over 2\^63 - 1/,
    );
    expect(
      isProtocolError(initChain(create(GenesisStateSchema, { accounts: accounts.slice(1) }))),
    ).toBe(false);
  });

  it("every field of Params has a rule (a new parameter needs one here)", () => {
    const unruled = ParamsSchema.fields
      .map((f) => f.localName)
      .filter((n) => !ruledFields.has(n as keyof Params) && n !== "vetoBps");
    expect(unruled).toEqual([]);
  });
});

// --- Generated parameter sets.

const validators = [addr("remes1val0"), addr("remes1val1"), addr("remes1val2"), addr("remes1val3")];
const miners = Array.from({ length: 6 }, (_, i) => addr(`remes1miner${i}`));

const u = (min: number, max: number) => fc.integer({ min, max });
const amt = (max: bigint) => fc.bigInt({ min: 1n, max });
/** Any field set to a boundary value: 0, 1, past 100%, past 2^63. */
const mutation = fc.tuple(
  fc.constantFrom(
    // (not max_kernel_version_length: below the genesis kernel version's length the genesis itself is refused)
    ...ParamsSchema.fields
      .filter((f) => f.fieldKind === "scalar" && f.localName !== "maxKernelVersionLength")
      .map((f) => f.localName),
  ),
  fc.constantFrom(0, 1, 2, 10_000, 10_001),
);

/** Mostly plausible sets (some relations broken by chance), a third with one field at a boundary. */
const paramsArb = fc
  .record({
    windowBlocks: u(2, 8),
    gradientRevealBlocks: u(1, 4),
    totalShards: u(1, 6),
    minMinersPerShard: u(2, 3),
    challengeWindowBlocks: u(1, 4),
    challengeBondMultiplier: u(1, 20),
    tier2VotingBlocks: u(1, 3),
    tier2QuorumBps: u(1, 10_000),
    lossToleranceBps: u(0, 9_999),
    tier3PanelSize: fc.constantFrom(3, 5),
    tier3DeadlineBlocks: u(1, 6),
    trapRateBps: u(1, 3_000),
    trapCommitteeSize: u(1, 4),
    trapThreshold: u(1, 4),
    trapRevealBlocks: u(1, 5),
    vaultMaxEntries: u(1, 64),
    vaultReusePerWindow: u(1, 4),
    aggregationCommitBlocks: u(1, 3),
    aggregationRevealBlocks: u(1, 3),
    aggregationChallengeBlocks: u(1, 4),
    qualityVerifiedBps: u(1, 10_000),
    qualityOptimisticBps: u(0, 10_000),
    baseMinerReward: amt(10n ** 9n),
    proposerReward: amt(10n ** 9n),
    validatorVerificationReward: amt(10n ** 7n),
    slashLazyMiningBps: u(1, 10_000),
    slashFalseVerificationBps: u(1, 10_000),
    slashAvailabilityBps: u(1, 10_000),
    challengerRewardBps: u(1, 10_000),
    slashBurnBps: u(0, 10_000),
    minSignedBps: u(1, 10_000),
    quorumBps: u(1, 10_000),
    thresholdBps: u(5_000, 10_000),
    daSampleRateBps: u(1, 5_000),
    daResponseBlocks: u(1, 4),
    daChallengeBond: amt(10n ** 7n),
    unbondingExtra: u(-3, 20),
    mutate: fc.option(mutation, { freq: 2 }),
  })
  .map(({ unbondingExtra, mutate, ...over }) => {
    const p = create(ParamsSchema, { ...defaultParams(), votingBlocksParameterChange: 5, ...over });
    p.unbondingBlocks = Math.max(0, longestSlashingDelay(p) + unbondingExtra);
    if (mutate) {
      const [field, v] = mutate;
      const r = p as unknown as Record<string, unknown>;
      r[field] = typeof r[field] === "bigint" ? (v === 10_001 ? MAX_AMOUNT + 1n : BigInt(v)) : v;
    }
    return p;
  });

describe("validateParams over generated parameter sets", () => {
  it("every rejected set names a parameter; every accepted set runs with the invariants intact", () => {
    let accepted = 0;
    let submitted = 0;
    let settled = 0;
    fc.assert(
      fc.property(paramsArb, (p) => {
        const bad = validateParams(p);
        if (bad) {
          expect(bad.name).toBe("invalidParams");
          expect(snakeFields.has(bad.message.split(" ")[0]!), bad.message).toBe(true);
          return;
        }
        accepted++;
        // The relations the state machine relies on.
        expect(p.unbondingBlocks).toBeGreaterThanOrEqual(
          p.windowBlocks + p.gradientRevealBlocks + settleDelay(p),
        );
        expect(p.qualityOptimisticBps).toBeLessThan(p.qualityVerifiedBps);
        expect(p.trapThreshold).toBeLessThanOrEqual(p.trapCommitteeSize);
        // A short chain under these parameters: miners submit every window (one of them a random hash),
        // windows close and settle in time, and the state invariants hold after every block.
        const chain = given(
          {
            params: p,
            validators: Object.fromEntries(validators.map((v) => [v, 20_000n])),
            miners: Object.fromEntries(miners.map((m) => [m, 2_000n])),
          },
          "params-property",
        );
        const blocks = Math.min(3 * p.windowBlocks + settleDelay(p) + 2, 60);
        const closed = new Map<number, number>();
        while (chain.height < blocks) {
          // Each window's miners commit in its second block and reveal in the first block of its reveal period.
          const txs = [...chain.state.windows.values()].flatMap((w) => {
            const commit = chain.height + 1 === w.startHeight + 1;
            const reveal = chain.height + 1 === w.commitEndHeight + 1;
            if (w.closed || (!commit && !reveal)) return [];
            return [...w.assignment.keys()].sort().map((m) => {
              const sub = submission(
                chain,
                m,
                m === miners[5]
                  ? hashOf(`fake/${w.window}`)
                  : hashOf(`g/${w.window}/${w.assignment.get(m)}`),
                w.window,
              );
              return [commit ? commitmentOf(sub) : sub];
            });
          });
          const r = chain.block(txs);
          submitted += r.events.filter((e) => e.case === "gradientSubmitted").length;
          settled += r.events.filter((e) => e.case === "windowSettled").length;
          expect(checkState(chain.state)).toEqual([]);
          for (const w of chain.state.windows.values())
            if (w.closed && !closed.has(w.window)) closed.set(w.window, chain.height);
          // A window closed settleDelay blocks ago has settled (left live state).
          for (const [w, at] of closed)
            if (chain.height > at + settleDelay(p)) expect(chain.state.windows.has(w)).toBe(false);
        }
      }),
      { numRuns: 300, seed: 13 },
    );
    // Enough accepted sets ran real windows for the property to mean something.
    expect(accepted).toBeGreaterThan(10);
    expect(submitted).toBeGreaterThan(10 * accepted);
    expect(settled).toBeGreaterThan(accepted);
  });
});
