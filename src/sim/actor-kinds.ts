/** The actor kinds moved to src/actors/kinds.ts (the actors own them); kept for the simulator's imports. */
export { ACTOR_KINDS, type ActorKind } from "../actors/kinds.ts";
