import { create, toJson } from "@bufbuild/protobuf";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GradientSubmittedSchema } from "../../src/gen/remes/v1/events_pb.ts";
import {
  SEARCH_KEYS,
  base64Of,
  protocolAbciEvent,
  txAbciEvents,
} from "../../src/node/abci-events.ts";
import { event, type ProtocolEvent } from "../../src/protocol/events.ts";
import { eventArbFor, eventCases } from "../protocol/arbitraries.ts";

/** The definition: an event's attributes are the entries of its message's protobuf JSON (lists as JSON text). */
const viaToJson = (e: ProtocolEvent) => {
  const schema = eventCases.find((f) => f.localName === e.case)!.message!;
  const json = toJson(schema, e.value as never, { alwaysEmitImplicit: false }) as Record<
    string,
    unknown
  >;
  return Object.entries(json).map(([key, v]) => ({
    key,
    value: typeof v === "string" ? v : JSON.stringify(v),
  }));
};

describe("base64Of", () => {
  it("is Buffer's base64 of the bytes, through its scratch buffer and past it, one value after another", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 4 }), (vs) => {
        for (const v of vs) expect(base64Of(v)).toBe(Buffer.from(v).toString("base64"));
      }),
    );
  });
});

describe("protocolAbciEvent", () => {
  for (const f of eventCases) {
    it(`${f.localName}: attributes are its protobuf JSON's entries, in field order`, () => {
      fc.assert(
        fc.property(eventArbFor(f), (e) => {
          const ev = protocolAbciEvent(e);
          expect(ev.type).toBe(`remes.${e.case}`);
          expect(ev.attributes.map(({ key, value }) => ({ key, value }))).toEqual(viaToJson(e));
        }),
        { numRuns: 40 },
      );
    });
  }

  it("indexes none of a protocol event's attributes (nothing searches txs by them)", () => {
    fc.assert(
      fc.property(fc.oneof(...eventCases.map((f) => eventArbFor(f))), (e) => {
        expect(protocolAbciEvent(e).attributes.filter((a) => a.index)).toEqual([]);
      }),
      { numRuns: 200 },
    );
    const e = {
      case: "gradientSubmitted",
      value: create(GradientSubmittedSchema, { submissionId: 7n, miner: "remes1abc", window: 3n }),
    } as ProtocolEvent;
    expect(protocolAbciEvent(e).attributes.map((a) => `${a.key}${a.index ? "*" : ""}`)).toEqual([
      "submissionId",
      "miner",
      "window",
    ]);
  });

  it("indexes exactly SEARCH_KEYS' event attributes", () => {
    const events = txAbciEvents(
      {
        signer: "remes1x",
        sequence: 4n,
        fee: 10n,
        signature: new Uint8Array([255]),
        typeUrls: ["/a"],
      },
      [event("transferred", { from: "remes1x", to: "remes1y", amount: 5n })],
    );
    const indexed = events.flatMap((e) =>
      e.attributes.filter((a) => a.index).map((a) => `${e.type}.${a.key}`),
    );
    expect(new Set(indexed)).toEqual(
      new Set(SEARCH_KEYS.filter((k) => k !== "tx.hash" && k !== "tx.height")),
    );
  });

  it("gives every tx its sdk events, with the signature and fee unindexed", () => {
    const events = txAbciEvents(
      {
        signer: "remes1x",
        sequence: 4n,
        fee: 10n,
        signature: new Uint8Array([255]),
        typeUrls: ["/remes.remes.v1.MsgSubmitGradient"],
      },
      [],
    );
    expect(
      events.map((e) => [
        e.type,
        e.attributes.map((a) => `${a.key}=${a.value}${a.index ? "*" : ""}`).join(" "),
      ]),
    ).toEqual([
      ["tx", "fee=10uremes fee_payer=remes1x*"],
      ["tx", "acc_seq=remes1x/4"],
      ["tx", "signature=/w=="],
      ["message", "action=/remes.remes.v1.MsgSubmitGradient* sender=remes1x* module=remes"],
    ]);
    const two = txAbciEvents(
      {
        signer: "remes1y",
        sequence: 0n,
        fee: 0n,
        signature: new Uint8Array(0),
        typeUrls: ["/a", "/b"],
      },
      [
        {
          case: "gradientSubmitted",
          value: create(GradientSubmittedSchema, { miner: "remes1y", window: 3n }),
        } as ProtocolEvent,
      ],
    );
    expect(two.map((e) => e.type)).toEqual([
      "tx",
      "tx",
      "tx",
      "message",
      "message",
      "remes.gradientSubmitted",
    ]);
    expect(two[4]!.attributes.map((a) => a.value)).toEqual(["/b", "remes1y", "remes"]);
    expect(two[5]).toEqual(
      protocolAbciEvent({
        case: "gradientSubmitted",
        value: create(GradientSubmittedSchema, { miner: "remes1y", window: 3n }),
      } as ProtocolEvent),
    );
  });

  it("gives a send between accounts the Cosmos SDK's bank events (wallets find what an account received by transfer.recipient), and a fee or bond none", () => {
    const info = {
      signer: "remes1x",
      sequence: 0n,
      fee: 10n,
      signature: new Uint8Array([1]),
      typeUrls: ["/remes.remes.v1.MsgSend"],
    };
    const send = txAbciEvents(info, [
      event("transferred", { from: "remes1x", to: "module:fee_collector", amount: 10n }),
      event("transferred", { from: "remes1x", to: "remes1y", amount: 5n }),
      event("transferred", { from: "remes1x", to: "module:bonded_pool", amount: 7n }),
    ]);
    const bank = send
      .filter((e) => ["coin_spent", "coin_received", "transfer"].includes(e.type))
      .map((e) => [e.type, e.attributes.map((a) => `${a.key}=${a.value}${a.index ? "*" : ""}`)]);
    expect(bank).toEqual([
      ["coin_spent", ["spender=remes1x", "amount=5uremes"]],
      ["coin_received", ["receiver=remes1y", "amount=5uremes"]],
      ["transfer", ["recipient=remes1y*", "sender=remes1x*", "amount=5uremes"]],
    ]);
  });
});
