/**
 * The ante checks CheckTx and FinalizeBlock make alike (mempool.ts
 * `authenticate`, tx.ts `decodeTx`), so a proposer that includes a tx every
 * mempool refused gets it refused in the block too: no fee taken, no
 * sequence used. Each was a fuzz finding (tx.gas-checktx-only,
 * tx.ignored-fields): CheckTx refused a gas limit below the tx's gas while
 * FinalizeBlock ran the tx, and timeout_height and extension options were
 * parsed and ignored, so a tx signed to expire did not.
 */
import { CheckTxType } from "cosmjs-types/tendermint/abci/types";
import { describe, expect, it } from "vitest";
import { TestNode } from "../../src/node/testing/test-node.ts";
import { gasUsedOf, SdkCode } from "../../src/node/tx.ts";
import { ModuleAccount } from "../../src/protocol/state.ts";
import { alice, FEE, finalize, freshApp, sendAny, signBody } from "./hostile.ts";

const GAS = { amount: [{ denom: "uremes", amount: String(FEE) }], gasLimit: 200_000n };

/** CheckTx's verdict and the verdict of a block that holds the tx anyway, with what the block took from alice. */
const both = (tx: Uint8Array) => {
  const app = freshApp();
  const before = app.state!.balances.get(alice.address)!;
  const check = app.checkTx(tx, CheckTxType.NEW);
  const block = finalize(app, [tx]).txResults[0]!;
  return {
    check,
    block,
    spent: before - app.state!.balances.get(alice.address)!,
    fees: app.state!.balances.get(ModuleAccount.feeCollector) ?? 0n,
    sequence: app.accounts.get(alice.address)!.sequence,
  };
};

describe("ante checks, the same in CheckTx and FinalizeBlock", () => {
  it("a gas limit below the tx's gas: out of gas in both, no fee, no sequence used", () => {
    const r = both(signBody({ messages: [sendAny()] }, { ...GAS, gasLimit: 1n }));
    for (const v of [r.check, r.block]) {
      expect(v.code, v.log).toBe(SdkCode.outOfGas);
      expect(v.log).toMatch(/^out of gas: the tx needs \d+, its gas limit is 1$/);
      expect(v.gasWanted).toBe(1n);
    }
    expect(r.block.gasUsed).toBeGreaterThan(1n);
    expect([r.spent, r.fees, r.sequence]).toEqual([0n, 0n, 0n]);
    // The least limit that covers the tx's gas (its size counts the limit's own bytes) runs; one less does not.
    const signed = (gasLimit: bigint) => signBody({ messages: [sendAny()] }, { ...GAS, gasLimit });
    let least = 1n;
    while (gasUsedOf(signed(least).length, 1) > least) least = gasUsedOf(signed(least).length, 1);
    expect(both(signed(least)).block.code).toBe(0);
    expect(both(signed(least - 1n)).block.code).toBe(SdkCode.outOfGas);
  });

  it("timeout_height: runs up to that height, refused in both above it", () => {
    // The fresh app is at height 0: its next block is 1.
    const ok = both(signBody({ messages: [sendAny()], timeoutHeight: 1n }, GAS));
    expect([ok.check.code, ok.block.code]).toEqual([0, 0]);
    const app = freshApp();
    TestNode.of(app).block().execute();
    const late = signBody({ messages: [sendAny()], timeoutHeight: 1n }, GAS);
    const check = app.checkTx(late, CheckTxType.NEW);
    const block = finalize(app, [late]).txResults[0]!;
    for (const v of [check, block]) {
      expect(v.code).toBe(SdkCode.txTimeoutHeight);
      expect(v.log).toBe("tx timeout height: the tx was signed to run by height 1, the block is 2");
    }
    expect(app.accounts.get(alice.address)!.sequence).toBe(0n);
    // At the type's edge: 2^64 − 1 never expires (read through the slow path, past the fast parser's 2^31).
    const far = both(signBody({ messages: [sendAny()], timeoutHeight: 2n ** 64n - 1n }, GAS));
    expect([far.check.code, far.block.code]).toEqual([0, 0]);
  });

  it("a critical extension option is refused; a non-critical one is ignored, as in the Cosmos SDK", () => {
    const option = { typeUrl: "/example.Option", value: new Uint8Array([8, 1]) };
    const critical = both(signBody({ messages: [sendAny()], extensionOptions: [option] }, GAS));
    for (const v of [critical.check, critical.block]) {
      expect(v.code).toBe(SdkCode.unknownExtensionOptions);
      expect(v.log).toMatch(/^unknown extension options: this chain accepts none, got 1/);
    }
    expect(critical.fees).toBe(0n);
    const optional = both(
      signBody({ messages: [sendAny()], nonCriticalExtensionOptions: [option] }, GAS),
    );
    expect([optional.check.code, optional.block.code]).toEqual([0, 0]);
  });

  it("unordered txs and timeout timestamps are refused as not supported, never run as ordered txs", () => {
    for (const body of [
      { messages: [sendAny()], unordered: true },
      { messages: [sendAny()], timeoutTimestamp: { seconds: 10n ** 10n, nanos: 0 } },
    ]) {
      const r = both(signBody(body, GAS));
      for (const v of [r.check, r.block]) {
        expect(v.code).toBe(SdkCode.notSupported);
        expect(v.log).toMatch(/not supported: sign an ordered tx, with timeout_height/);
      }
      expect(r.sequence).toBe(0n);
    }
  });
});
