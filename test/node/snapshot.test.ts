import * as v8 from "node:v8";
import { describe, expect, it } from "vitest";
import {
  decodeSnapshot,
  encodeSnapshot,
  SNAPSHOT_FORMAT,
  type SnapshotData,
} from "../../src/node/snapshot.ts";
import type { State } from "../../src/protocol/state.ts";

describe("state snapshots", () => {
  it("round-trip maps, bigints and byte arrays, each decoded array owning its bytes (not a view into the snapshot)", () => {
    const key = new Uint8Array(33).fill(7);
    const state = {
      roles: new Map([["remes1a", { pubkey: key, stake: 5n }]]),
      weights: new Float64Array([1.5, -2]),
    } as unknown as State;
    const data: SnapshotData = {
      format: SNAPSHOT_FORMAT,
      height: 9,
      appHash: new Uint8Array(32).fill(1),
      protocolHash: new Uint8Array(32).fill(2),
      accountsHash: Buffer.from([3, 4]),
      chainId: "c",
      state,
      accounts: [{ address: "remes1a", number: 0n, sequence: 3n, pubkey: key }],
    };
    const bytes = encodeSnapshot(data);
    const back = decodeSnapshot(bytes);
    expect(back).toEqual(data);
    const role = (
      back.state as unknown as { roles: Map<string, { pubkey: Uint8Array }> }
    ).roles.get("remes1a")!;
    for (const a of [role.pubkey, back.appHash, back.accountsHash, back.accounts[0]!.pubkey!]) {
      expect(a.byteOffset).toBe(0);
      expect(a.buffer.byteLength).toBe(a.length);
    }
    expect(back.accountsHash).toBeInstanceOf(Buffer);
    expect((back.state as unknown as { weights: Float64Array }).weights).toEqual(
      new Float64Array([1.5, -2]),
    );
  });

  it("are v8.serialize's bytes exactly, without moving small byte arrays off V8's heap", () => {
    const small = Array.from({ length: 20_000 }, (_, i) => new Uint8Array(32).fill(i & 255));
    const data = {
      format: SNAPSHOT_FORMAT,
      height: 1,
      appHash: new Uint8Array(32),
      protocolHash: new Uint8Array(32),
      accountsHash: Buffer.from([3, 4]),
      chainId: "c",
      state: {
        small,
        view: new Uint8Array(100).subarray(10, 20),
        f: new Float64Array([1.5]),
        buf: Buffer.from("abc"),
        empty: new Uint8Array(0),
      } as unknown as State,
      accounts: [],
    } as SnapshotData;
    const before = process.memoryUsage().arrayBuffers;
    const bytes = encodeSnapshot(data);
    // v8.serialize gives each of the 20,000 arrays a 32-byte backing store (arrayBuffers grows by 640 KB; its output is not counted there).
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(100_000);
    expect(Buffer.from(bytes).equals(v8.serialize(data))).toBe(true);
  });

  it("refuses a snapshot of another format by name, saying what to do", () => {
    const old = v8.serialize({
      format: 2,
      height: 1,
      appHash: new Uint8Array(32),
      protocolHash: new Uint8Array(32),
      accountsHash: new Uint8Array(2),
      chainId: "c",
      state: {},
      accounts: [],
    });
    expect(() => decodeSnapshot(old)).toThrow(
      /format 3 \(it says format 2\).*replay from genesis or state-sync/,
    );
    expect(() => decodeSnapshot(v8.serialize("junk"))).toThrow(/not an r3mes state snapshot/);
  });
});
