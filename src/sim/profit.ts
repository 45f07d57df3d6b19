/**
 * Profit per actor: the on-chain change in its wealth (rewards, slashes,
 * bonds, fees: `ActorSummary.netUremes`, end wealth − genesis wealth) broken
 * down from the committed events, minus the off-chain cost of its work and
 * of its bonded capital (costs.ts). One row per actor per run, the `profit`
 * table (outputs/tables.ts; docs/profit.md). Off chain: nothing here feeds
 * the event log.
 *
 * The breakdown is exact in integer uremes:
 *   net = rewards − slashed + slash_bounty − bonds_lost − bonds_open + bonds_won − fees + other
 *   profit = net − work_cost − capital_cost
 * where `other` is whatever else moved the actor's wealth (plain transfers;
 * 0 in the shipped scenarios).
 */
import type { WorkLedger } from "../actors/work.ts";
import type { ProtocolEvent } from "../protocol/events.ts";
import { ModuleAccount } from "../protocol/state.ts";
import { capitalCost, type CostModel, workCost } from "./costs.ts";
import type { Cell } from "./outputs/tables.ts";
import type { ActorInfo } from "./sink.ts";

const add = (m: Map<string, bigint>, k: string, v: bigint): void => {
  if (v !== 0n) m.set(k, (m.get(k) ?? 0n) + v);
};

/** Folds the committed events into the bond and fee flows of each address. */
export class BondTally {
  /** Bonds each challenger put in escrow, lost on resolution, won as the disputed author, still in escrow. */
  readonly posted = new Map<string, bigint>();
  readonly lost = new Map<string, bigint>();
  readonly won = new Map<string, bigint>();
  readonly #open = new Map<number, { challenger: string; bond: bigint }>();
  /** Shares of others' slashes paid to the address as beneficiary (a successful challenger). */
  readonly bounty = new Map<string, bigint>();
  readonly fees = new Map<string, bigint>();

  observe(events: readonly ProtocolEvent[]): void {
    for (const e of events) {
      switch (e.case) {
        case "disputeOpened":
          if (e.value.bond > 0n) {
            add(this.posted, e.value.challenger, e.value.bond);
            this.#open.set(Number(e.value.disputeId), {
              challenger: e.value.challenger,
              bond: e.value.bond,
            });
          }
          break;
        case "disputeResolved": {
          const d = this.#open.get(Number(e.value.disputeId));
          if (d) {
            this.#open.delete(Number(e.value.disputeId));
            add(this.lost, d.challenger, d.bond - e.value.refund);
          }
          add(this.won, e.value.winner, e.value.toWinner);
          break;
        }
        case "slashed":
          add(this.bounty, e.value.beneficiary, e.value.toBeneficiary);
          break;
        case "transferred":
          if (e.value.to === ModuleAccount.feeCollector)
            add(this.fees, e.value.from, e.value.amount);
          break;
        default:
          break;
      }
    }
  }

  /** Bonds still in escrow (disputes open when the run ended), by challenger. */
  open(): Map<string, bigint> {
    const m = new Map<string, bigint>();
    for (const d of this.#open.values()) add(m, d.challenger, d.bond);
    return m;
  }
}

/** One actor's profit over a run (uremes; `gpuMs` device milliseconds). */
export interface ProfitRow {
  readonly address: string;
  readonly kind: ActorInfo["kind"];
  readonly group: string;
  readonly gpuArch: string;
  readonly stakeGenesisUremes: bigint;
  readonly netUremes: bigint;
  readonly rewardsUremes: bigint;
  readonly slashedUremes: bigint;
  readonly slashBountyUremes: bigint;
  readonly bondsPostedUremes: bigint;
  readonly bondsLostUremes: bigint;
  readonly bondsOpenUremes: bigint;
  readonly bondsWonUremes: bigint;
  readonly feesUremes: bigint;
  readonly otherUremes: bigint;
  readonly tasks: number;
  readonly tier2Checks: number;
  readonly tier3Jobs: number;
  readonly aggregations: number;
  readonly gpuMs: number;
  readonly workCostUremes: bigint;
  readonly capitalCostUremes: bigint;
  readonly profitUremes: bigint;
  readonly simMs: number;
}

export interface ProfitInput extends ActorInfo {
  readonly netUremes: bigint;
  readonly rewardsUremes: bigint;
  readonly slashedUremes: bigint;
}

/** Profit rows of a run's actors, from their on-chain summary, the bond tally, the work ledger and the cost model. */
export const profitRows = (
  actors: readonly ProfitInput[],
  bonds: BondTally,
  work: WorkLedger,
  costs: CostModel,
  stakeAtGenesis: ReadonlyMap<string, bigint>,
  simMs: number,
): ProfitRow[] => {
  const open = bonds.open();
  return actors.map((a) => {
    const of = (m: ReadonlyMap<string, bigint>) => m.get(a.address) ?? 0n;
    const w = work.of(a.address);
    const cost = workCost(costs, w);
    const stake = stakeAtGenesis.get(a.address) ?? 0n;
    const capital = capitalCost(costs, stake, simMs);
    const explained =
      a.rewardsUremes -
      a.slashedUremes +
      of(bonds.bounty) -
      of(bonds.lost) -
      of(open) +
      of(bonds.won) -
      of(bonds.fees);
    return {
      address: a.address,
      kind: a.kind,
      group: a.group,
      gpuArch: a.gpuArch,
      stakeGenesisUremes: stake,
      netUremes: a.netUremes,
      rewardsUremes: a.rewardsUremes,
      slashedUremes: a.slashedUremes,
      slashBountyUremes: of(bonds.bounty),
      bondsPostedUremes: of(bonds.posted),
      bondsLostUremes: of(bonds.lost),
      bondsOpenUremes: of(open),
      bondsWonUremes: of(bonds.won),
      feesUremes: of(bonds.fees),
      otherUremes: a.netUremes - explained,
      tasks: w.count.get("train") ?? 0,
      tier2Checks: w.count.get("tier2") ?? 0,
      tier3Jobs: w.count.get("tier3") ?? 0,
      aggregations: w.count.get("aggregate") ?? 0,
      gpuMs: cost.gpuMs,
      workCostUremes: cost.uremes,
      capitalCostUremes: capital,
      profitUremes: a.netUremes - cost.uremes - capital,
      simMs,
    };
  });
};

/** The row's cells in the `profit` table's column order (outputs/tables.ts). */
export const profitCells = (runId: string, p: ProfitRow): Cell[] => [
  runId,
  p.address,
  p.kind,
  p.group,
  p.gpuArch,
  p.stakeGenesisUremes,
  p.netUremes,
  p.rewardsUremes,
  p.slashedUremes,
  p.slashBountyUremes,
  p.bondsPostedUremes,
  p.bondsLostUremes,
  p.bondsOpenUremes,
  p.bondsWonUremes,
  p.feesUremes,
  p.otherUremes,
  p.tasks,
  p.tier2Checks,
  p.tier3Jobs,
  p.aggregations,
  Math.round(p.gpuMs),
  p.workCostUremes,
  p.capitalCostUremes,
  p.profitUremes,
  p.simMs,
];
