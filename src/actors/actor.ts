/**
 * What an actor is and what it may touch. An actor sees the chain only as a
 * client of a node would: the events of committed blocks it subscribed to
 * (like a CometBFT event subscription with a query filter), read-only
 * queries of the latest committed state, its own keys, and the off-chain
 * world (content store, training backend, the task feed). It acts only by
 * sending transactions, which travel through the network model to the
 * mempool, and by setting timers on the virtual clock.
 */
import type { ProtocolCommand } from "../protocol/commands.ts";
import type { EventCase, ProtocolEvent } from "../protocol/events.ts";
import type { Prng } from "../protocol/randomness.ts";
import type { State } from "../protocol/state.ts";
import type { ActorInfo } from "./kinds.ts";
import type { World } from "./world.ts";

/** The latest committed block as a client sees it. */
export interface ChainView {
  readonly height: number;
  /** Virtual time of that block, ms since the run started. */
  readonly timeMs: number;
  /** The committed state: query it, never change it. */
  readonly state: Readonly<State>;
}

export interface ActorIO {
  /** Virtual time now, ms since the run started. */
  readonly nowMs: number;
  readonly chain: ChainView;
  /** Block interval of the chain (public knowledge, like a genesis file). */
  readonly blockTimeMs: number;
  /** This actor's own random stream (a fork of the run's seed). */
  readonly prng: Prng;
  readonly world: World;
  /**
   * Sends a transaction (one message) to the mempool through the network.
   * False when it did not reach a node (the actor's node down or cut off,
   * the link lost it): what a client sees as an error or a timeout of its
   * broadcast. True promises no block: a full mempool drops, a proposer
   * censors, the protocol refuses.
   */
  submit(cmd: ProtocolCommand): boolean;
  /** Runs `fn` after `delayMs` of virtual time (dropped if the actor crashes first). */
  wake(delayMs: number, fn: () => void): void;
}

/** The coarse role an actor plays, for event routing. */
export type ActorRole = "miner" | "validator" | "proposer" | "client";

export interface Actor {
  readonly info: ActorInfo;
  readonly role: ActorRole;
  /** Broadcast events this actor wants (events addressed to it always arrive; see routing.ts). */
  readonly subscriptions: readonly EventCase[];
  /** The events of one committed block routed to this actor, in block order. */
  onEvents(events: readonly ProtocolEvent[], io: ActorIO): void;
  /** A crash: forget everything held in memory. */
  reset(): void;
  /**
   * Block proposers only, and only attackers define it: called for each tx of
   * a block this actor's validator proposes; true leaves the tx out (it goes
   * back to the mempool for a later proposer). Honest actors have none, so
   * their runs never call it.
   */
  censor?(cmd: ProtocolCommand, state: Readonly<State>): boolean;
  /**
   * Grinding proposers only: a scorer of block `height`'s beacon (the
   * randomness of panels, shard assignment, challenged chunks at that height).
   * Asked with height + 1 before each block this actor's validator proposes,
   * it makes the engine try `grindCandidates` later timestamps for its block
   * and keep the one whose next beacon scores best (all alike: beacon.ts);
   * asked with the height it is about to propose, the engine has it withhold
   * the block when the next round's proposer's beacon scores better.
   * Undefined: no grinding at that height.
   */
  grind?(state: Readonly<State>, height: number): ((beacon: Uint8Array) => number) | undefined;
  readonly grindCandidates?: number;
}
