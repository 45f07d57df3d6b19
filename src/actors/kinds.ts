/**
 * Every actor kind a scenario can name: the one list that the scenario
 * schema, the actor factory and the results tables all derive from.
 * Adding a kind here makes TypeScript point at every switch that must
 * handle it. The actors own it (they are the kinds); the simulator, its
 * tables and the live daemons read it from here.
 */
export const ACTOR_KINDS = [
  "honest_miner",
  "lazy_miner",
  "copycat_miner",
  "poisoner_miner",
  "sybil_miner",
  "colluding_miner",
  "honest_proposer",
  "colluding_proposer",
  "honest_validator",
  "lazy_validator",
  "false_challenger",
  "data_withholder",
  // Attackers of the protocol as it is (src/actors/attacks/, scenarios/attacks/): miners,
  "loss_copying_miner",
  "isolated_miner",
  "trap_spotting_miner",
  "farming_validator",
  "watchdog_challenger",
  "forger",
  // validators, proposers, governance.
  "abstaining_validator",
  "censoring_validator",
  "capturing_validator",
  "withholding_proposer",
  "unbonding_miner",
  "spamming_miner",
  "da_griefer",
  "bribing_miner",
  "vault_poisoner_miner",
] as const;

/** Who plays: the behaviour class of an actor, for reports and tables. */
export type ActorKind = (typeof ACTOR_KINDS)[number];

/** An actor as runs and reports name it. */
export interface ActorInfo {
  readonly address: string;
  readonly kind: ActorKind;
  /** Actors that share a budget or a coalition (sybil cluster, colluders). */
  readonly group: string;
  readonly gpuArch: string;
}
