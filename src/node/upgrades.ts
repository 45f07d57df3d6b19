/**
 * The software-upgrade handlers of this binary, by upgrade name (the
 * protocol's side: src/protocol/upgrades.ts). When a passed proposal's plan
 * comes due, a node whose binary has no handler for its name halts before
 * the plan's block with `upgrade NAME needed at height H: …`; a binary that
 * has one runs it once at that block (its migration's events go into the
 * block, so the app hash chains them and every node agrees) and goes on.
 *
 * A release that ships an upgrade adds its name here, with the migration it
 * needs (EMPTY_MIGRATION when the release changes code but not state); the
 * procedure for operators is in docs/operators.md ("Upgrades").
 *
 * Test hook: R3MES_TEST_UPGRADE=NAME makes this binary a "new version" that
 * has NAME's handler (the empty migration) and reports the version
 * `RELEASE+NAME` (version.ts). Tests start the same code with and without
 * it to play the old and the new binary; it is never needed in production.
 */
import {
  EMPTY_MIGRATION,
  UPGRADE_NAME,
  type UpgradeHandler,
  type UpgradeHandlers,
  upgradeHandlers,
} from "../protocol/upgrades.ts";

/** The upgrades this release knows (none yet: the first release that needs one adds it here). */
export const RELEASE_UPGRADES: ReadonlyMap<string, UpgradeHandler> = new Map();

export const TEST_UPGRADE_ENV = "R3MES_TEST_UPGRADE";

/** The exit code of an app (`r3mes node app|start`) that halted for an upgrade it does not have. */
export const UPGRADE_HALT_EXIT_CODE = 3;

/**
 * How long a halted app leaves FinalizeBlock unanswered before it exits
 * (run.ts): CometBFT keeps gossiping meanwhile, so a validator that missed
 * the upgrade block's commit gets it and halts too. On the 4-validator test
 * testnet, without it, the last validator often missed the commit and sat
 * at H − 1 until its peers came back.
 */
export const UPGRADE_HALT_GRACE_MS = 5_000;

/** The upgrade name the test hook adds, if set (a name a proposal could carry: UPGRADE_NAME). */
export const testUpgradeOf = (env: NodeJS.ProcessEnv = process.env): string | undefined => {
  const name = env[TEST_UPGRADE_ENV];
  if (name === undefined || name === "") return undefined;
  if (!UPGRADE_NAME.test(name))
    throw new Error(
      `${TEST_UPGRADE_ENV}: an upgrade name is 1..64 letters, digits, '.', '_', '-' or '+'`,
    );
  return name;
};

/** The handlers by name: the release's, plus the test hook's (the empty migration). */
export const upgradeRegistry = (
  env: NodeJS.ProcessEnv = process.env,
  release: ReadonlyMap<string, UpgradeHandler> = RELEASE_UPGRADES,
): ReadonlyMap<string, UpgradeHandler> => {
  const test = testUpgradeOf(env);
  if (test === undefined) return release;
  return new Map([...release, [test, release.get(test) ?? EMPTY_MIGRATION]]);
};

/** This binary's handlers, as the protocol takes them. */
export const nodeUpgrades = (env: NodeJS.ProcessEnv = process.env): UpgradeHandlers =>
  upgradeHandlers(upgradeRegistry(env));
