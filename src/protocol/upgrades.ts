/**
 * Software upgrades, as the Cosmos SDK's x/upgrade does them. A passed
 * software-upgrade proposal schedules a plan (governance.ts:
 * `softwareUpgradeScheduled` sets `state.softwareUpgrade`: name, height,
 * info). At the first block whose height is at least the plan's (the SDK's
 * `Plan.ShouldExecute`), before anything of that block runs:
 *
 *   - a binary without a handler for the plan's name refuses the block:
 *     `applyBlock` throws UpgradeNeededError before it changes the state, and
 *     the node halts with `upgradeNeededLine` (the SDK panics in its
 *     PreBlocker the same way). A restart of the same binary refuses again:
 *     the plan is still in the committed state.
 *   - a binary with one runs the handler (a migration: a block step that
 *     emits events, so the app hash chains it and a replay of the event log
 *     reproduces it without the handler), then `softwareUpgradeApplied`,
 *     which clears the plan and records the name in `state.upgradesDone`
 *     (a name runs once; a proposal for a done name is refused).
 *   - after it, a binary without the handler of the last upgrade that ran
 *     (an old binary restarted on an upgraded chain) refuses every block, as
 *     the SDK's "upgrade handler is missing" check does: it would apply the
 *     old rules, so a release keeps the names of past upgrades.
 *
 * Which handlers a binary has is the runtime's business (src/node/upgrades.ts
 * for the node); the protocol only takes them as data. The simulator models
 * a network whose operators all upgrade in time: `everyUpgrade` runs any
 * plan with the empty migration, so both runtimes record the same events
 * for the same plan.
 */
import type { BlockContext } from "./context.ts";
import { type Emit, event, type EventOf } from "./events.ts";
import type { State } from "./state.ts";

/**
 * What an upgrade may be named: 1..64 letters, digits, '.', '_', '-', '+' (a release such as
 * `v0.2.0`). The name goes into every node's logs and into folder names of tools that keep one
 * binary per upgrade, so no spaces, slashes or control characters.
 */
export const UPGRADE_NAME = /^[A-Za-z0-9._+-]{1,64}$/;

/** A migration: reads the state as the upgrade's block begins (after BlockStarted) and emits events; it never mutates. */
export type UpgradeHandler = (state: Readonly<State>, ctx: BlockContext, emit: Emit) => void;

/** The upgrade handlers a binary has, by upgrade name. */
export interface UpgradeHandlers {
  readonly handlerOf: (name: string) => UpgradeHandler | undefined;
}

/** The empty migration: the upgrade changes code, not state. */
export const EMPTY_MIGRATION: UpgradeHandler = () => {};

/** Handlers from a map (the node's registry). */
export const upgradeHandlers = (m: ReadonlyMap<string, UpgradeHandler>): UpgradeHandlers => ({
  handlerOf: (name) => m.get(name),
});

/** No handler at all: halts at every plan. */
export const NO_UPGRADES: UpgradeHandlers = upgradeHandlers(new Map());

/** Every plan with the empty migration: the simulator's network of operators who upgrade in time. */
export const everyUpgrade: UpgradeHandlers = { handlerOf: () => EMPTY_MIGRATION };

export interface UpgradePlan {
  readonly name: string;
  readonly height: number;
  readonly info: string;
}

/** The plan that runs at this height, if any: the scheduled one once its height is reached. */
export const upgradeDue = (state: Readonly<State>, height: number): UpgradePlan | undefined => {
  const plan = state.softwareUpgrade;
  return plan !== undefined && plan.height <= height ? plan : undefined;
};

/** The one line every node logs when it halts for an upgrade it does not have. */
export const upgradeNeededLine = (name: string, height: number): string =>
  `upgrade ${name} needed at height ${height}: stop this node and start the version that has it`;

/** Thrown by applyBlock, before any change to the state, at a due plan this binary has no handler for. */
export class UpgradeNeededError extends Error {
  constructor(
    readonly upgrade: string,
    readonly height: number,
  ) {
    super(upgradeNeededLine(upgrade, height));
    this.name = "UpgradeNeededError";
  }
}

/** The upgrade that ran last (the greatest height; on a tie, the greatest name), if any ran. */
export const lastUpgradeDone = (
  state: Readonly<State>,
): { readonly name: string; readonly height: number } | undefined => {
  let last: { name: string; height: number } | undefined;
  for (const [name, height] of state.upgradesDone)
    if (last === undefined || height > last.height || (height === last.height && name > last.name))
      last = { name, height };
  return last;
};

/**
 * The halt decision for the block at `height`: the upgrade this binary must
 * stop for — a due plan it has no handler for, or the last upgrade that ran
 * when it has no handler for that (an old binary) — or undefined to go on.
 */
export const upgradeNeeded = (
  state: Readonly<State>,
  height: number,
  handlers: UpgradeHandlers,
): { readonly name: string; readonly height: number } | undefined => {
  const plan = upgradeDue(state, height);
  if (plan !== undefined && handlers.handlerOf(plan.name) === undefined) return plan;
  const last = state.upgradesDone.size === 0 ? undefined : lastUpgradeDone(state);
  return last !== undefined && handlers.handlerOf(last.name) === undefined ? last : undefined;
};

/**
 * The begin-block step of an upgrade (machine.ts runs it first, after
 * BlockStarted): the handler's events, then `softwareUpgradeApplied`.
 * The caller has checked `upgradeNeeded` already.
 */
export const runUpgrade = (
  state: Readonly<State>,
  ctx: BlockContext,
  emit: Emit,
  handlers: UpgradeHandlers,
): void => {
  const plan = upgradeDue(state, ctx.height);
  if (plan === undefined) return;
  const handler = handlers.handlerOf(plan.name);
  if (handler === undefined) throw new UpgradeNeededError(plan.name, plan.height);
  handler(state, ctx, emit);
  emit(event("softwareUpgradeApplied", { name: plan.name, height: ctx.height }));
};

export const evolveSoftwareUpgradeApplied = (
  state: State,
  e: EventOf<"softwareUpgradeApplied">,
): void => {
  if (state.softwareUpgrade?.name === e.name) state.softwareUpgrade = undefined;
  state.upgradesDone.set(e.name, Number(e.height));
};
