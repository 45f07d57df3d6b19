/**
 * The beacon is the only randomness (src/protocol/beacon.ts, randomness.ts):
 * a block's draws — tier-3 panels, the tier-2 batch, window seeds (shards,
 * traps), availability samples — do not move when only the block hash moves
 * (what a proposer grinding its block's time or txs changes), and do move
 * with the beacon. Before the beacon these draws read ctx.blockHash, so the
 * first property failed on the old code.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { beaconTx, beaconValue, parseBeaconTx } from "../../src/protocol/beacon.ts";
import type { BlockContext } from "../../src/protocol/context.ts";
import { applyBlock } from "../../src/protocol/machine.ts";
import { hashParts } from "../../src/protocol/randomness.ts";
import { mockBeacon } from "../../src/protocol/testing/chain.ts";
import { batchIndexFor } from "../../src/protocol/verification/disputes.ts";
import { selectPanel } from "../../src/protocol/verification/tier3.ts";
import { cloneState } from "../../src/protocol/genesis.ts";
import { bytesToHex } from "@noble/hashes/utils.js";
import { labelAddress as addr } from "../../src/protocol/address.ts";
import { given } from "./given.ts";

const validators = Object.fromEntries(
  Array.from({ length: 9 }, (_, i) => [addr(`remes1val${i}`), 20_000n]),
);
const world = () => given({ validators });
const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

describe("draws read the beacon, not the block hash", () => {
  it("given a block context, when only its block hash changes, then the tier-3 panel and the tier-2 batch are unchanged", () => {
    const chain = world();
    const ctx = chain.context();
    fc.assert(
      fc.property(bytes32, fc.nat(1000), (blockHash, disputeId) => {
        const ground: BlockContext = { ...ctx, blockHash };
        expect(selectPanel(chain.state, ground, disputeId, [])).toEqual(
          selectPanel(chain.state, ctx, disputeId, []),
        );
        expect(batchIndexFor(ground, disputeId)).toBe(batchIndexFor(ctx, disputeId));
      }),
      { numRuns: 50 },
    );
  });

  it("given a block that opens a window, when only its block hash changes, then the block's events and app hash are unchanged", () => {
    const chain = world();
    const ctx = chain.context();
    const base = applyBlock(cloneState(chain.state), ctx, [], chain.appHash);
    expect(base.events.some((e) => e.case === "windowOpened")).toBe(true);
    fc.assert(
      fc.property(bytes32, (blockHash) => {
        const r = applyBlock(cloneState(chain.state), { ...ctx, blockHash }, [], chain.appHash);
        expect(bytesToHex(r.appHash)).toBe(bytesToHex(base.appHash));
      }),
      { numRuns: 20 },
    );
  });

  it("given the same state, when the beacon changes, then the panel and the window seed change with it", () => {
    const chain = world();
    const ctx = chain.context();
    const panels = new Set<string>();
    const seeds = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const other = { ...ctx, ...mockBeacon("other", i) };
      panels.add(selectPanel(chain.state, other, 1, []).join(","));
      const opened = applyBlock(cloneState(chain.state), other, [], chain.appHash).events.find(
        (e) => e.case === "windowOpened",
      );
      seeds.add(bytesToHex(opened!.value.seed));
    }
    expect(panels.size).toBeGreaterThan(5);
    expect(seeds.size).toBe(20);
  });
});

describe("the beacon rule", () => {
  it("B[h] is a function of the height and the VRF output alone (the proof does not enter it)", () => {
    fc.assert(
      fc.property(
        bytes32,
        fc.uint8Array({ maxLength: 100 }),
        fc.uint8Array({ maxLength: 100 }),
        fc.nat(1_000_000),
        (out, p1, p2, h) => {
          const a = parseBeaconTx(beaconTx(out, p1))!;
          const b = parseBeaconTx(beaconTx(out, p2))!;
          expect(beaconValue(h, a.output)).toEqual(beaconValue(h, b.output));
          expect(beaconValue(h, out)).not.toEqual(beaconValue(h + 1, out));
        },
      ),
      { numRuns: 50 },
    );
    expect(() => beaconTx(hashParts("x").subarray(0, 31))).toThrow(/32 bytes/);
  });
});
