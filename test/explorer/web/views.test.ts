/**
 * The browser app's pure parts and views, in a linkedom document (no
 * browser): formatting of amounts, addresses and routes; block_results →
 * events (ids put back, beacon txs not counted); the windows table, a
 * miner's earnings, and that text from the chain stays text.
 */
import { parseHTML } from "linkedom";
import { beforeAll, describe, expect, it } from "vitest";
import { value } from "../../../src/explorer/web/common.ts";
import { h } from "../../../src/explorer/web/dom.ts";
import { blockInfoOf, EventStore } from "../../../src/explorer/web/events.ts";
import {
  ago,
  depthOf,
  grouped,
  micro,
  remes,
  routeOfSearch,
  short,
} from "../../../src/explorer/web/format.ts";
import { parseRoute } from "../../../src/explorer/web/router.ts";
import { earnings } from "../../../src/explorer/web/views/address.ts";
import { windowRows, windows } from "../../../src/explorer/web/views/windows.ts";

const A = "remes14qemq0vw6y3gc3u3e0aty2e764u4gs5lxwvphl";
const B = "remes1hhg2rlu9jscacku2wwckws7932qqqu8xwhj55d";

beforeAll(() => {
  (globalThis as { document?: Document }).document = parseHTML(
    "<!doctype html><html><body><main></main></body></html>",
  ).document as unknown as Document;
});

const ev = (type: string, attrs: Record<string, string>) => ({
  type: `remes.${type}`,
  attributes: Object.entries(attrs).map(([key, value]) => ({ key, value })),
});

describe("the explorer's formatting", () => {
  it("writes uremes as REMES exactly, groups digits, shortens, dates and parses routes", () => {
    expect(remes("1234567")).toBe("1.234567 REMES");
    expect(remes(2_000_000_000n)).toBe("2,000 REMES");
    expect(remes("18446744073709551615")).toBe("18,446,744,073,709.551615 REMES");
    expect(remes("0")).toBe("0 REMES");
    expect(grouped("1000000")).toBe("1,000,000");
    expect(micro("1500000")).toBe("1.500000");
    expect(short(A, 12, 6)).toBe("remes14qemq0…xwvphl");
    expect(ago("2026-01-01T00:00:00Z", Date.parse("2026-01-01T00:02:05Z"))).toBe("2m ago");
    expect(depthOf(new URLSearchParams("depth=50"))).toBe(50);
    expect(depthOf(new URLSearchParams("depth=999999"))).toBe(10_000);
    expect(depthOf(new URLSearchParams("depth=-1"))).toBe(500);
    expect(routeOfSearch(" 42 ")).toBe("block/42");
    expect(routeOfSearch("ab".repeat(32))).toBe(`tx/${"AB".repeat(32)}`);
    expect(routeOfSearch(A)).toBe(`address/${A}`);
    expect(routeOfSearch("hello")).toBeUndefined();
    const r = parseRoute("#/window/3?depth=100");
    expect([r.name, r.params, r.query.get("depth"), r.view?.title]).toEqual([
      "window",
      ["3"],
      "100",
      "Window",
    ]);
    expect(parseRoute("#/constructor").view).toBeUndefined();
    expect(parseRoute("").view?.title).toBe("Chain");
  });

  it("keeps the chain's text as text and refuses style and handler attributes", () => {
    const evil = '<img src=x onerror="alert(1)">';
    const cell = h("td", {}, value("reason", evil));
    expect(cell.querySelector("img")).toBeNull();
    expect(cell.textContent).toBe(evil);
    expect(() => h("div", { style: "color: red" })).toThrow(/style/);
    expect(() => h("div", { onclick: "x()" })).toThrow(/onclick/);
    const link = h("td", {}, value("miner", A)).querySelector("a")!;
    expect(link.getAttribute("href")).toBe(`#/address/${A}`);
    expect(h("td", {}, value("amount", "2500000")).textContent).toBe("2.5 REMES");
    expect(h("td", {}, value("role", "ROLE_MINER")).textContent).toBe("miner");
  });
});

describe("the explorer's events", () => {
  it("reads block_results: ids left out as defaults put back, beacon txs and failed txs apart", () => {
    const b = blockInfoOf(
      9,
      [
        { code: 0, log: "beacon", events: [] },
        { code: 0, log: "", events: [ev("gradientSubmitted", { miner: A, window: "2" })] },
        { code: 5, log: "insufficient funds", events: [ev("transferred", { from: A })] },
      ],
      [ev("windowOpened", {}), { type: "tx", attributes: [{ key: "fee", value: "1uremes" }] }],
    );
    expect(b.txs).toBe(2);
    expect(b.failed).toBe(1);
    expect(b.events.map((e) => [e.type, e.tx, e.attrs])).toEqual([
      ["gradientSubmitted", 1, { miner: A, window: "2", submissionId: "0", shard: "0" }],
      ["windowOpened", -1, { window: "0" }],
      ["tx", -1, { fee: "1uremes" }],
    ]);
  });

  it("keeps a bounded look-back and lists events newest first", () => {
    const s = new EventStore(3);
    for (let h = 1; h <= 5; h++)
      s.add(blockInfoOf(h, [], [ev("windowOpened", { window: String(h) })]));
    expect([...s.blocks.keys()].sort()).toEqual([3, 4, 5]);
    expect(s.from).toBe(3);
    expect(s.of("windowOpened").map((e) => e.attrs.window)).toEqual(["5", "4", "3"]);
  });

  it("counts each window's commitments, submissions and tier-1 verdicts, and renders them", async () => {
    const s = new EventStore(100);
    s.add(blockInfoOf(21, [], [ev("windowOpened", { window: "1" })]));
    s.add(
      blockInfoOf(
        25,
        [{ code: 0, events: [ev("gradientCommitted", { miner: A, window: "1" })] }],
        [],
      ),
    );
    s.add(
      blockInfoOf(
        41,
        [
          {
            code: 0,
            events: [ev("gradientSubmitted", { miner: A, window: "1", submissionId: "4" })],
          },
        ],
        [ev("tier1Evaluated", { window: "1", optimisticIds: '["4"]', mismatchedIds: '["5","6"]' })],
      ),
    );
    expect(
      windowRows(s.of("windowOpened", "gradientCommitted", "gradientSubmitted", "tier1Evaluated")),
    ).toEqual([
      {
        window: "1",
        opened: 21,
        commits: 1,
        submissions: 1,
        verified: 0,
        optimistic: 1,
        mismatched: 2,
      },
    ]);
    const page = (await windows.render({
      params: [],
      query: new URLSearchParams(),
      store: s,
      now: 0,
    })) as HTMLElement;
    const cells = [...page.querySelectorAll("[data-testid=windows] tbody td")].map(
      (c) => c.textContent,
    );
    expect(cells).toEqual(["1", "21", "1", "1", "0", "1", "2", "open", ""]);
  });

  it("adds up what an address earned: rewards, verifier pay, validator pay, dispute winnings", () => {
    const s = new EventStore(100);
    s.add(
      blockInfoOf(
        3,
        [],
        [
          ev("rewardMinted", { to: A, amount: "100", kind: "REWARD_KIND_MINER" }),
          ev("rewardMinted", { to: B, amount: "999", kind: "REWARD_KIND_MINER" }),
          ev("rewardMinted", { to: A, amount: "50", kind: "REWARD_KIND_MINER" }),
          ev("verifierPaid", { validator: A, amount: "7" }),
          ev("validatorPayAccrued", { proposer: A, minted: "5", fees: "1" }),
          ev("disputeResolved", { winner: A, toWinner: "30" }),
        ],
      ),
    );
    expect(
      [
        ...earnings(
          A,
          s.of("rewardMinted", "verifierPaid", "validatorPayAccrued", "disputeResolved"),
        ),
      ].sort(),
    ).toEqual([
      ["dispute winnings", 30n],
      ["miner", 150n],
      ["validator pay", 6n],
      ["verifier pay", 7n],
    ]);
  });
});
