/**
 * The version of this r3mes binary: package.json's version (the one place a
 * release writes it), shown by `r3mes --version`, ABCI Info's `version`
 * (CometBFT's `/abci_info`, the app's log at start) and the REST node info.
 * A binary started with the test hook R3MES_TEST_UPGRADE=NAME (upgrades.ts)
 * is a "new version" that has NAME's handler: its version carries `+NAME`.
 *
 * ABCI Info's `app_version` is another thing: the protocol version CometBFT
 * puts in block headers (APP_VERSION, info.ts). A release that changes the
 * protocol's rules keeps the chain's history valid by a software upgrade,
 * not by that number.
 */
import pkg from "../../package.json" with { type: "json" };
import { testUpgradeOf } from "./upgrades.ts";

/** This release's version. */
export const RELEASE_VERSION: string = pkg.version;

/** The version this process reports: the release's, plus `+NAME` under the test hook. */
export const nodeVersion = (env: NodeJS.ProcessEnv = process.env): string => {
  const test = testUpgradeOf(env);
  return test === undefined ? RELEASE_VERSION : `${RELEASE_VERSION}+${test}`;
};
