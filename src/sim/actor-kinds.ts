/**
 * Every actor kind a scenario can name: the one list that the scenario
 * schema, the actor factory and the results tables all derive from.
 * Adding a kind here makes TypeScript point at every switch that must
 * handle it.
 */
export const ACTOR_KINDS = [
  "honest_miner", "lazy_miner", "copycat_miner", "poisoner_miner", "sybil_miner", "colluding_miner",
  "honest_proposer", "colluding_proposer", "honest_validator", "lazy_validator", "false_challenger", "data_withholder",
  "vault_poisoner_miner",
] as const;

/** Who plays: the behaviour class of an actor, for reports and tables. */
export type ActorKind = (typeof ACTOR_KINDS)[number];
