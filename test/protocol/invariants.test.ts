/**
 * Each invariant checker detects the breakage it is for: a consistent state
 * (the demo world, mid-run and at the end) passes every check, and a cloned
 * state mutated in one place fails exactly the matching check.
 */
import { create } from "@bufbuild/protobuf";
import { beforeAll, describe, expect, it } from "vitest";
import { GpuArch, ProposalContentSchema, Role } from "../../src/gen/remes/v1/types_pb.ts";
import { ProposalStatus } from "../../src/gen/remes/v1/events_pb.ts";
import { command } from "../../src/protocol/commands.ts";
import { event } from "../../src/protocol/events.ts";
import { cloneState } from "../../src/protocol/genesis.ts";
import {
  checkBondedPool,
  checkEscrow,
  checkGovDeposits,
  checkNonNegativeBalances,
  checkNonNegativeStakes,
  checkNonNegativeUnbonding,
  checkState,
  checkSubmissions,
  checkSupply,
  checkUnbondingPool,
  OffenceLedger,
  stateChecks,
} from "../../src/protocol/invariants.ts";
import { ModuleAccount, roleKey, type State } from "../../src/protocol/state.ts";
import {
  demoChain,
  miners,
  runDemoWorld,
  validators,
} from "../../src/protocol/testing/demo-world.ts";
import { labelAddress as addr } from "../../src/protocol/address.ts";
import { submitted } from "./given.ts";

/** Names of the checks a state fails. */
const failing = (s: State): string[] =>
  stateChecks.filter(([, c]) => c(s).length > 0).map(([n]) => n);

let base: State; // a state with live submissions, windows and roles
beforeAll(() => {
  const chain = demoChain(7);
  chain.block();
  const w = chain.state.windows.get(0)!;
  const [miner, shard] = [...w.assignment].sort(([a], [b]) => (a < b ? -1 : 1))[0]!;
  const hash = new Uint8Array(32).fill(9);
  submitted(
    chain,
    command("submitGradient", {
      miner,
      window: 0,
      shard,
      gradientCid: `b${"a".repeat(58)}`,
      gradientHash: hash,
      daRoot: hash,
      sizeBytes: 1000n,
      claimedLossMicro: 1000n,
      gpuArch: GpuArch.AMPERE,
      kernelVersion: "bitnet-cpu/1",
    }),
  );
  base = chain.state;
});

const mutated = (f: (s: State) => void): State => {
  const s = cloneState(base);
  f(s);
  return s;
};

describe("invariants: consistent states pass", () => {
  it("the base state has a live submission and passes every check", () => {
    expect(base.submissions.size).toBe(1);
    expect(checkState(base)).toEqual([]);
  });

  it("the demo world passes every check at its end", () => {
    const chain = runDemoWorld(3);
    expect(checkState(chain.state)).toEqual([]);
    const ledger = new OffenceLedger();
    for (const block of chain.log) expect(ledger.observe(block)).toEqual([]);
    expect(ledger.size).toBeGreaterThan(0); // the lazy miner was slashed
  });
});

describe("invariants: each checker detects its breakage", () => {
  it("supply: one extra uremes in a balance", () => {
    const s = mutated((s) => s.balances.set(miners[0]!, (s.balances.get(miners[0]!) ?? 0n) + 1n));
    expect(checkSupply(s)).toHaveLength(1);
    expect(failing(s)).toEqual(["supply"]);
  });

  it("supply: minted without a credit", () => {
    const s = mutated((s) => {
      s.supply.minted += 5n;
    });
    expect(failing(s)).toEqual(["supply"]);
  });

  it("negative balance", () => {
    const s = mutated((s) => {
      s.balances.set(addr("remes1nobody"), -3n);
      s.balances.set(miners[1]!, s.balances.get(miners[1]!)! + 3n);
    });
    expect(checkNonNegativeBalances(s)).toEqual([
      `negative balance: ${addr("remes1nobody")} has -3`,
    ]);
    expect(failing(s)).toEqual(["nonNegativeBalances"]);
  });

  it("negative stake (and the bonded pool no longer matches)", () => {
    const s = mutated((s) => {
      s.roles.get(roleKey(Role.MINER, miners[2]!))!.stake = -1n;
    });
    expect(checkNonNegativeStakes(s)).toHaveLength(1);
    expect(failing(s)).toEqual(["nonNegativeStakes", "bondedPool"]);
  });

  it("bonded pool: a stake grows without funds", () => {
    const s = mutated((s) => {
      s.roles.get(roleKey(Role.VALIDATOR, validators[0]!))!.stake += 1n;
    });
    expect(checkBondedPool(s)).toHaveLength(1);
    expect(failing(s)).toEqual(["bondedPool"]);
  });

  it("unbonding pool and negative unbonding", () => {
    const s = mutated((s) => {
      s.unbonding.set(99, {
        id: 99,
        address: miners[0]!,
        role: Role.MINER,
        amount: 10n,
        completionHeight: 100,
      });
    });
    expect(checkUnbondingPool(s)).toHaveLength(1);
    expect(failing(s)).toEqual(["unbondingPool"]);
    const n = mutated((s) => {
      s.unbonding.set(99, {
        id: 99,
        address: miners[0]!,
        role: Role.MINER,
        amount: -10n,
        completionHeight: 100,
      });
    });
    expect(checkNonNegativeUnbonding(n)).toHaveLength(1);
    expect(failing(n)).toEqual(["nonNegativeUnbonding", "unbondingPool"]);
  });

  it("escrow: a dispute bond with no escrowed funds, and funds with no dispute", () => {
    const s = mutated((s) => {
      s.disputes.set(5, {
        id: 5,
        subject: 1,
        subjectId: 0,
        window: 0,
        challenger: miners[3]!,
        bond: 50n,
        batchIndex: 0,
        tier: 2,
        deadline: 9,
        lossVotes: new Map(),
        panel: [],
        verdicts: new Map(),
      });
    });
    expect(checkEscrow(s)).toHaveLength(1);
    expect(failing(s)).toEqual(["escrow"]);
    const t = mutated((s) => {
      s.balances.set(ModuleAccount.escrow, 7n);
      s.balances.set(miners[3]!, s.balances.get(miners[3]!)! - 7n);
    });
    expect(failing(t)).toEqual(["escrow"]);
    const a = mutated((s) => {
      s.availability.set(1, {
        id: 1,
        submissionId: 0,
        miner: miners[0]!,
        chunkIndex: 0,
        chunkCount: 1,
        deadline: 9,
        challenger: miners[3]!,
        bond: 4n,
        openedAt: 0,
        proposers: [],
      });
    });
    expect(failing(a)).toEqual(["escrow"]);
  });

  it("gov deposits: a proposal in voting without its deposit, and a tallied one still holding it", () => {
    const proposal = (status: ProposalStatus) => ({
      id: 0,
      proposer: miners[0]!,
      content: create(ProposalContentSchema, { title: "t", kind: { case: "text", value: {} } }),
      deposit: 100n,
      votingEndHeight: 50,
      votes: new Map(),
      status,
    });
    const s = mutated((s) => {
      s.proposals.set(0, proposal(ProposalStatus.VOTING));
    });
    expect(checkGovDeposits(s)).toHaveLength(1);
    expect(failing(s)).toEqual(["govDeposits"]);
    const t = mutated((s) => {
      s.proposals.set(0, proposal(ProposalStatus.PASSED));
      s.balances.set(ModuleAccount.govDeposits, 100n);
      s.balances.set(miners[0]!, s.balances.get(miners[0]!)! - 100n);
    });
    expect(failing(t)).toEqual(["govDeposits"]);
    const ok = mutated((s) => {
      s.proposals.set(0, proposal(ProposalStatus.VOTING));
      s.balances.set(ModuleAccount.govDeposits, 100n);
      s.balances.set(miners[0]!, s.balances.get(miners[0]!)! - 100n);
    });
    expect(checkState(ok)).toEqual([]);
  });

  it("upgrades: a plan left behind the height, a done name scheduled again, an upgrade done in the future", () => {
    const at = base.height;
    expect(
      failing(mutated((s) => void (s.softwareUpgrade = { name: "v2", height: at - 1, info: "" }))),
    ).toEqual(["upgrades"]);
    expect(
      failing(
        mutated((s) => {
          s.softwareUpgrade = { name: "v2", height: at + 5, info: "" };
          s.upgradesDone.set("v2", at);
        }),
      ),
    ).toEqual(["upgrades"]);
    expect(failing(mutated((s) => void s.upgradesDone.set("v2", at + 1)))).toEqual(["upgrades"]);
    const ok = mutated((s) => {
      s.softwareUpgrade = { name: "v3", height: at, info: "" };
      s.upgradesDone.set("v2", at);
    });
    expect(checkState(ok)).toEqual([]);
  });

  it("submissions: from an unregistered miner, for the wrong shard, or in a window not live", () => {
    const sub = () => [...base.submissions.values()][0]!;
    const unregistered = mutated((s) => {
      s.roles.delete(roleKey(Role.MINER, sub().miner));
    });
    // (its stake left the bonded pool accounting too)
    expect(checkSubmissions(unregistered)).toHaveLength(1);
    const wrongShard = mutated((s) => {
      const x = s.submissions.get(sub().id)!;
      s.submissions.set(x.id, { ...x, shard: (x.shard + 1) % s.params.totalShards });
    });
    expect(checkSubmissions(wrongShard)).toHaveLength(1);
    expect(failing(wrongShard)).toEqual(["submissions"]);
    const stranger = mutated((s) => {
      const x = s.submissions.get(sub().id)!;
      s.submissions.set(x.id, { ...x, miner: addr("remes1stranger") });
    });
    expect(checkSubmissions(stranger).length).toBeGreaterThanOrEqual(2);
    const gone = mutated((s) => {
      s.windows.delete(sub().window);
    });
    expect(failing(gone)).toEqual(["submissions"]);
  });
});

describe("invariants: the offence ledger", () => {
  const slashed = (offenceKey: string) =>
    event("slashed", {
      address: miners[0]!,
      role: Role.MINER,
      offence: 3,
      offenceKey,
      amount: 1n,
      burned: 1n,
    });

  it("reports an offence key slashed twice, across blocks", () => {
    const ledger = new OffenceLedger();
    expect(
      ledger.observe([slashed("a"), slashed("b"), event("blockStarted", { height: 2 })]),
    ).toEqual([]);
    expect(ledger.observe([slashed("c")])).toEqual([]);
    const r = ledger.observe([slashed("b")]);
    expect(r).toHaveLength(1);
    expect(r[0]).toContain("b");
  });

  it("reports a double slash within one block", () => {
    expect(new OffenceLedger().observe([slashed("x"), slashed("x")])).toHaveLength(1);
  });
});
