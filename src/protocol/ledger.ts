/**
 * Accounts and the ledger: balances in uremes (bigint), transfers between
 * accounts, and the supply identity total = genesis + minted − burned. Only
 * the protocol mints (rewards) and burns (slashes, forfeited deposits);
 * module accounts (state.ts) can not be sent from or to by users.
 */
import { addressProblem } from "./address.ts";
import type { CommandOf } from "./commands.ts";
import { fail, type ProtocolError } from "./errors.ts";
import { event, type EventOf, type ProtocolEvent } from "./events.ts";
import { balanceOf, isModuleAccount, type State } from "./state.ts";

const MAX_ADDRESS_LENGTH = 128;
const U64_MAX = 2n ** 64n - 1n;

/** A user address: non-empty, bounded, not a module account, and a valid `remes1…` address (address.ts). */
export const checkAddress = (what: string, address: string): ProtocolError | undefined => {
  if (address.length === 0) return fail("invalidMessage", `${what} address is empty`);
  if (address.length > MAX_ADDRESS_LENGTH)
    return fail(
      "invalidMessage",
      `${what} address is longer than ${MAX_ADDRESS_LENGTH} characters`,
    );
  if (isModuleAccount(address))
    return fail("unauthorized", `${what} address ${address} is a module account`);
  const problem = addressProblem(address);
  return problem === undefined
    ? undefined
    : fail("invalidAddress", `${what} address "${address}" ${problem}`);
};

export const checkAmount = (what: string, amount: bigint): ProtocolError | undefined =>
  amount <= 0n || amount > U64_MAX
    ? fail("invalidMessage", `${what} must be a positive uint64 amount of uremes`)
    : undefined;

export const checkFunds = (
  state: Readonly<State>,
  address: string,
  amount: bigint,
): ProtocolError | undefined => {
  const have = balanceOf(state, address);
  return have < amount
    ? fail(
        "insufficientFunds",
        `${address} has ${have} uremes, needs ${amount}; fund the account first`,
      )
    : undefined;
};

// --- evolve helpers (used by every mechanism that moves money) ---

export const credit = (state: State, address: string, amount: bigint): void => {
  if (amount === 0n) return;
  state.balances.set(address, balanceOf(state, address) + amount);
};

/** Debits; a balance that reaches zero is removed so state stays small. */
export const debit = (state: State, address: string, amount: bigint): void => {
  if (amount === 0n) return;
  const next = balanceOf(state, address) - amount;
  if (next === 0n) state.balances.delete(address);
  else state.balances.set(address, next);
};

export const mint = (state: State, to: string, amount: bigint): void => {
  credit(state, to, amount);
  state.supply.minted += amount;
};

export const burn = (state: State, from: string, amount: bigint): void => {
  debit(state, from, amount);
  state.supply.burned += amount;
};

// --- MsgSend ---

export const decideSend = (
  state: Readonly<State>,
  msg: CommandOf<"send">,
): ProtocolEvent[] | ProtocolError => {
  const bad =
    checkAddress("from", msg.fromAddress) ??
    checkAddress("to", msg.toAddress) ??
    checkAmount("amount", msg.amount) ??
    checkFunds(state, msg.fromAddress, msg.amount);
  if (bad) return bad;
  return [event("transferred", { from: msg.fromAddress, to: msg.toAddress, amount: msg.amount })];
};

export const evolveTransferred = (state: State, e: EventOf<"transferred">): void => {
  debit(state, e.from, e.amount);
  credit(state, e.to, e.amount);
};
