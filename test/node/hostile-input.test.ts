/**
 * Hostile input against the ABCI app, in-process (no CometBFT): what a live
 * node once accepted and must refuse, in CheckTx and FinalizeBlock alike.
 */
import { bech32 } from "@scure/base";
import { QueryBalanceRequest } from "cosmjs-types/cosmos/bank/v1beta1/query";
import { CheckTxType } from "cosmjs-types/tendermint/abci/types";
import { describe, expect, it } from "vitest";
import { answerQuery } from "../../src/node/query.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { SdkCode } from "../../src/node/tx.ts";
import {
  alice,
  bob,
  FEE,
  finalize,
  freshApp,
  FUNDS,
  sendTo,
  sendWithFee,
  signAnys,
} from "./hostile.ts";

describe("addresses", () => {
  const bobBytes = bech32.fromWords(bech32.decode(bob.address as `${string}1${string}`).words);
  const bad: [string, string][] = [
    ["a made-up name", "hello-world"],
    ["another chain's prefix", bech32.encode("cosmos", bech32.toWords(bobBytes))],
    ["a bad checksum", bob.address.slice(0, -1) + (bob.address.endsWith("q") ? "p" : "q")],
    ["a leading space", ` ${bob.address}`],
    ["the all-uppercase spelling", bob.address.toUpperCase()],
  ];

  it("a protocol MsgSend to anything but a lower-case remes bech32 address is refused in CheckTx and FinalizeBlock, and moves nothing", () => {
    for (const [what, to] of bad) {
      const app = freshApp();
      const tx = sendTo(to);
      const c = app.checkTx(tx, CheckTxType.NEW);
      expect([c.code, c.codespace], what).toEqual([ErrorCode.invalidAddress, "remes"]);
      expect(c.log, what).toMatch(/to_address/);
      const r = finalize(app, [tx]);
      expect([r.txResults[0]!.code, r.txResults[0]!.codespace], what).toEqual([
        ErrorCode.invalidAddress,
        "remes",
      ]);
      app.commit();
      // Only the fee left alice; nobody got an account or a balance under the bad spelling.
      expect(app.state!.balances.get(alice.address), what).toBe(FUNDS - FEE);
      expect(app.state!.balances.has(to), what).toBe(false);
      expect(app.accounts.get(to), what).toBeUndefined();
    }
  });

  it("a query for the uppercase spelling of an account is refused, not answered as another account", () => {
    const app = freshApp();
    const q = answerQuery(app, {
      path: "/cosmos.bank.v1beta1.Query/Balance",
      data: QueryBalanceRequest.encode({
        address: bob.address.toUpperCase(),
        denom: "uremes",
      }).finish(),
      height: 0n,
      prove: false,
    });
    expect(q.code).toBe(18);
    expect(q.log).toMatch(/not a remes1… address/);
  });
});

describe("query router", () => {
  it("answers 'unknown query path' for JavaScript prototype names, not code 0 with junk", () => {
    const app = freshApp();
    for (const path of [
      "/remes.remes.v1.Query/toString",
      "/remes.remes.v1.Query/constructor",
      "/remes.remes.v1.Query/__proto__",
      "/remes.remes.v1.Query/hasOwnProperty",
      "constructor",
      "toString",
      "__proto__",
      "/remes.remes.v1.Query/",
    ]) {
      const q = answerQuery(app, { path, data: new Uint8Array(0), height: 0n, prove: false });
      expect([q.code, q.codespace], path).toEqual([6, "sdk"]);
      expect(q.log, path).toMatch(/^unknown query path/);
      expect(q.value, path).toEqual(new Uint8Array(0));
    }
    // The known ones still answer.
    expect(
      answerQuery(app, {
        path: "/remes.remes.v1.Query/Params",
        data: new Uint8Array(0),
        height: 0n,
        prove: false,
      }).code,
    ).toBe(0);
  });
});

describe("fees and gas", () => {
  const GAS = 200_000n;
  it("a gas limit of 2^63 or more (a negative int64 gas_wanted) is refused as an invalid request", () => {
    for (const gas of [2n ** 63n, 2n ** 64n - 1n]) {
      const tx = sendWithFee([{ denom: "uremes", amount: "5000" }], gas);
      const app = freshApp();
      const c = app.checkTx(tx, CheckTxType.NEW);
      expect([c.code, c.codespace]).toEqual([SdkCode.invalidRequest, "sdk"]);
      expect(c.log).toMatch(/gas limit/);
      const r = finalize(app, [tx]).txResults[0]!;
      expect(r.code).toBe(SdkCode.invalidRequest);
      expect(r.gasWanted >= 0n).toBe(true);
    }
    // 2^63 − 1 is the largest gas limit (the fee still has to be paid: zero gas price here).
    expect(
      freshApp().checkTx(
        sendWithFee([{ denom: "uremes", amount: "5000" }], 2n ** 63n - 1n),
        CheckTxType.NEW,
      ).code,
    ).toBe(0);
  });

  it("duplicate fee coins are refused, not summed", () => {
    const tx = sendWithFee(
      [
        { denom: "uremes", amount: "3000" },
        { denom: "uremes", amount: "2000" },
      ],
      GAS,
    );
    const app = freshApp();
    const c = app.checkTx(tx, CheckTxType.NEW);
    expect([c.code, c.codespace]).toEqual([SdkCode.invalidCoins, "sdk"]);
    expect(c.log).toMatch(/one coin/);
    expect(finalize(app, [tx]).txResults[0]!.code).toBe(SdkCode.invalidCoins);
    app.commit();
    expect(app.state!.balances.get(alice.address)).toBe(FUNDS);
  });

  it("a fee of 2^64 uremes or more is invalid coins, not insufficient funds", () => {
    for (const amount of [String(2n ** 64n), "99999999999999999999"]) {
      const c = freshApp().checkTx(
        sendWithFee([{ denom: "uremes", amount }], GAS),
        CheckTxType.NEW,
      );
      expect([c.code, c.codespace], amount).toEqual([SdkCode.invalidCoins, "sdk"]);
    }
    // 2^64 − 1 is a valid amount, which alice cannot pay.
    const c = freshApp().checkTx(
      sendWithFee([{ denom: "uremes", amount: String(2n ** 64n - 1n) }], GAS),
      CheckTxType.NEW,
    );
    expect([c.code, c.codespace]).toEqual([ErrorCode.insufficientFunds, "remes"]);
  });
});

describe("integers on the wire", () => {
  it("a MsgSubmitGradient whose uint32 shard is 2^32 + 100 is refused as undecodable (code 2), not decided as shard 100", () => {
    const miner = [...new TextEncoder().encode(alice.address)];
    // MsgSubmitGradient { miner (1), shard (3) = 2^32 + 100 as a 5-byte varint }.
    const value = new Uint8Array([
      0x0a,
      miner.length,
      ...miner,
      0x18,
      0xe4,
      0x80,
      0x80,
      0x80,
      0x10,
    ]);
    const tx = signAnys([{ typeUrl: "/remes.remes.v1.MsgSubmitGradient", value }]);
    const app = freshApp();
    const c = app.checkTx(tx, CheckTxType.NEW);
    expect([c.code, c.codespace]).toEqual([SdkCode.txDecode, "sdk"]);
    expect(c.log).toMatch(/shard is 4294967396, out of range/);
    expect(finalize(app, [tx]).txResults[0]!.code).toBe(SdkCode.txDecode);
  });

  it("a MsgSubmitGradient whose uint64 window is 2^32 + 100 decodes whole and goes to decide (here: not a miner)", () => {
    const miner = [...new TextEncoder().encode(alice.address)];
    // MsgSubmitGradient { miner (1), window (2) = 2^32 + 100 as a 5-byte varint }.
    const value = new Uint8Array([
      0x0a,
      miner.length,
      ...miner,
      0x10,
      0xe4,
      0x80,
      0x80,
      0x80,
      0x10,
    ]);
    const c = freshApp().checkTx(
      signAnys([{ typeUrl: "/remes.remes.v1.MsgSubmitGradient", value }]),
      CheckTxType.NEW,
    );
    expect([c.codespace, c.log]).toEqual([
      "remes",
      expect.stringMatching(/is not an active miner/),
    ]);
  });
});
