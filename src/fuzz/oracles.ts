/**
 * Oracles shared by the targets: every account the state keeps (a balance,
 * a role) is named by a canonical address — a lower-case remes1… bech32 of
 * 20 bytes — or is a module account.
 */
import { isAddress } from "../node/address.ts";
import { isModuleAccount } from "../protocol/state.ts";
import { finding, type Finding } from "./finding.ts";

export const checkAccounts = (...groups: Iterable<string>[]): Finding | undefined => {
  for (const g of groups) {
    for (const a of g) {
      if (isModuleAccount(a)) continue;
      if (!isAddress(a))
        return finding(
          "address.not-an-address",
          `the state keeps an account named ${JSON.stringify(a.slice(0, 140))}, which is not a remes1… address`,
        );
      if (a !== a.toLowerCase())
        return finding(
          "address.uppercase-twin",
          `the state keeps an account named ${a}, the upper-case twin of ${a.toLowerCase()}`,
        );
    }
  }
  return undefined;
};
