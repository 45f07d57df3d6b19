import { describe, expect, it } from "vitest";
import { command } from "../../src/protocol/commands.ts";
import { event } from "../../src/protocol/events.ts";
import { checkState } from "../../src/protocol/invariants.ts";
import { applyFeeAndTx } from "../../src/protocol/machine.ts";
import { ModuleAccount } from "../../src/protocol/state.ts";
import { accepted, balance, given, REMES, rejected } from "./given.ts";
import { labelAddress as addr } from "../../src/protocol/address.ts";

const world = () =>
  given({ accounts: { [addr("remes1alice")]: 1_000n, [addr("remes1bob")]: 10n } });

describe("ledger", () => {
  it("a send moves exactly the amount from sender to recipient and emits Transferred", () => {
    const chain = world();
    const events = accepted(
      chain,
      command("send", {
        fromAddress: addr("remes1alice"),
        toAddress: addr("remes1bob"),
        amount: 250n * REMES,
      }),
    );
    expect(events).toContainEqual(
      event("transferred", {
        from: addr("remes1alice"),
        to: addr("remes1bob"),
        amount: 250n * REMES,
      }),
    );
    expect(balance(chain, addr("remes1alice"))).toBe(750n * REMES);
    expect(balance(chain, addr("remes1bob"))).toBe(260n * REMES);
  });

  it("a send to a fresh address creates the account", () => {
    const chain = world();
    accepted(
      chain,
      command("send", {
        fromAddress: addr("remes1bob"),
        toAddress: addr("remes1carol"),
        amount: 1n,
      }),
    );
    expect(balance(chain, addr("remes1carol"))).toBe(1n);
    expect(balance(chain, addr("remes1bob"))).toBe(10n * REMES - 1n);
  });

  it("a send of the whole balance empties the sender's account", () => {
    const chain = world();
    accepted(
      chain,
      command("send", {
        fromAddress: addr("remes1bob"),
        toAddress: addr("remes1alice"),
        amount: 10n * REMES,
      }),
    );
    expect(chain.state.balances.has(addr("remes1bob"))).toBe(false);
    expect(balance(chain, addr("remes1alice"))).toBe(1_010n * REMES);
  });

  it("a send of more than the balance is rejected with insufficientFunds and changes nothing", () => {
    const chain = world();
    const err = rejected(
      chain,
      command("send", {
        fromAddress: addr("remes1bob"),
        toAddress: addr("remes1alice"),
        amount: 10n * REMES + 1n,
      }),
      "insufficientFunds",
    );
    expect(err.code).toBe(4);
    expect(err.message).toBe(
      `${addr("remes1bob")} has ${10n * REMES} uremes, needs ${10n * REMES + 1n}; fund the account first`,
    );
  });

  it("a send of zero is rejected as an invalid message", () => {
    rejected(
      world(),
      command("send", {
        fromAddress: addr("remes1alice"),
        toAddress: addr("remes1bob"),
        amount: 0n,
      }),
      "invalidMessage",
    );
  });

  it("a send from or to a module account is refused: its name is no address", () => {
    const chain = world();
    rejected(
      chain,
      command("send", {
        fromAddress: ModuleAccount.communityPool,
        toAddress: addr("remes1bob"),
        amount: 1n,
      }),
      "invalidAddress",
    );
    rejected(
      chain,
      command("send", {
        fromAddress: addr("remes1alice"),
        toAddress: ModuleAccount.bondedPool,
        amount: 1n,
      }),
      "invalidAddress",
    );
  });

  it("a failed send in a block is reported with its error code and leaves the balances as they were", () => {
    const chain = world();
    const r = chain.exec(
      command("send", {
        fromAddress: addr("remes1bob"),
        toAddress: addr("remes1alice"),
        amount: 11n * REMES,
      }),
    );
    expect(r.txResults[0]!.code).toBe(4);
    expect(balance(chain, addr("remes1bob"))).toBe(10n * REMES);
    expect(balance(chain, addr("remes1alice"))).toBe(1_000n * REMES);
  });

  it("the supply identity holds: genesis supply equals the sum of all balances", () => {
    const chain = world();
    accepted(
      chain,
      command("send", {
        fromAddress: addr("remes1alice"),
        toAddress: addr("remes1bob"),
        amount: 5n,
      }),
    );
    const total = [...chain.state.balances.values()].reduce((a, b) => a + b, 0n);
    expect(total).toBe(
      chain.state.supply.genesis + chain.state.supply.minted - chain.state.supply.burned,
    );
    expect(chain.state.supply.genesis).toBe(1_010n * REMES);
  });
});

describe("tx fees (applyFeeAndTx)", () => {
  const ctx = (chain: ReturnType<typeof world>) => ({
    height: chain.state.height + 1,
    timeMs: 0n,
    blockHash: new Uint8Array(32),
    beacon: new Uint8Array(32),
    beaconOutput: new Uint8Array(0),
    proposer: "",
    lastCommit: [],
    misbehavior: [],
  });

  it("the fee goes to the fee collector before the messages, and stays paid when they fail; supply is conserved", () => {
    const chain = world();
    const ok = applyFeeAndTx(
      chain.state,
      [
        command("send", {
          fromAddress: addr("remes1bob"),
          toAddress: addr("remes1alice"),
          amount: 1n,
        }),
      ],
      ctx(chain),
      { payer: addr("remes1bob"), amount: 7n },
    );
    expect(ok.result.code).toBe(0);
    expect(ok.result.events[0]).toEqual(
      event("transferred", { from: addr("remes1bob"), to: ModuleAccount.feeCollector, amount: 7n }),
    );
    const failed = applyFeeAndTx(
      ok.state,
      [
        command("send", {
          fromAddress: addr("remes1bob"),
          toAddress: addr("remes1alice"),
          amount: 100n * REMES,
        }),
      ],
      ctx(chain),
      { payer: addr("remes1bob"), amount: 5n },
    );
    expect(failed.result.code).toBe(4);
    expect(failed.result.events).toEqual([
      event("transferred", { from: addr("remes1bob"), to: ModuleAccount.feeCollector, amount: 5n }),
    ]);
    expect(balance(chain, ModuleAccount.feeCollector)).toBe(12n);
    expect(balance(chain, addr("remes1bob"))).toBe(10n * REMES - 1n - 12n);
    expect(checkState(failed.state)).toEqual([]);
  });

  it("a payer who cannot cover the fee gets insufficientFunds and nothing runs", () => {
    const chain = world();
    const r = applyFeeAndTx(
      chain.state,
      [
        command("send", {
          fromAddress: addr("remes1bob"),
          toAddress: addr("remes1alice"),
          amount: 1n,
        }),
      ],
      ctx(chain),
      { payer: addr("remes1bob"), amount: 10n * REMES + 1n },
    );
    expect(r.result.code).toBe(4);
    expect(r.result.log).toMatch(/^cannot pay the fee of /);
    expect(r.result.events).toEqual([]);
    expect(balance(chain, addr("remes1bob"))).toBe(10n * REMES);
  });
});
