import { describe, expect, it } from "vitest";
import { decodeSnapshot, encodeSnapshot, SNAPSHOT_FORMAT, type SnapshotData } from "../../src/node/snapshot.ts";
import type { State } from "../../src/protocol/state.ts";

describe("state snapshots", () => {
  it("round-trip maps, bigints and byte arrays, each decoded array owning its bytes (not a view into the snapshot)", () => {
    const key = new Uint8Array(33).fill(7);
    const state = { roles: new Map([["remes1a", { pubkey: key, stake: 5n }]]), weights: new Float64Array([1.5, -2]) } as unknown as State;
    const data: SnapshotData = {
      format: SNAPSHOT_FORMAT, height: 9, appHash: new Uint8Array(32).fill(1), protocolHash: new Uint8Array(32).fill(2), accountsHash: Buffer.from([3, 4]),
      chainId: "c", state, accounts: [{ address: "remes1a", number: 0n, sequence: 3n, pubkey: key }],
    };
    const bytes = encodeSnapshot(data);
    const back = decodeSnapshot(bytes);
    expect(back).toEqual(data);
    const role = (back.state as unknown as { roles: Map<string, { pubkey: Uint8Array }> }).roles.get("remes1a")!;
    for (const a of [role.pubkey, back.appHash, back.accountsHash, back.accounts[0]!.pubkey!]) {
      expect(a.byteOffset).toBe(0);
      expect(a.buffer.byteLength).toBe(a.length);
    }
    expect(back.accountsHash).toBeInstanceOf(Buffer);
    expect((back.state as unknown as { weights: Float64Array }).weights).toEqual(new Float64Array([1.5, -2]));
  });
});
