/**
 * A node past height 2^32 (issue 13): its event log (heights, window start
 * heights) is stored and replayed on restart, and its snapshots restore by
 * state sync, with the same app hashes. Before, a height above 2^32 - 1 did
 * not fit the events' uint32 fields, and the restart refused its own log.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { bytesToHex } from "@noble/hashes/utils.js";
import { describe, expect, it } from "vitest";
import { RemesApp } from "../../src/node/app.ts";
import { TestNode } from "../../src/node/testing/test-node.ts";
import { sha256 } from "@noble/hashes/sha2.js";
import { CheckTxType } from "cosmjs-types/tendermint/abci/types";
import { signTx, txKeyOf } from "../../src/node/sign.ts";
import { stateRoot } from "../../src/protocol/apphash.ts";
import { command } from "../../src/protocol/commands.ts";

const FAR = 2 ** 32;
const start = { chainId: "ids64", initialHeight: FAR - 3 };

describe("a node past height 2^32", () => {
  it("restarts by replaying its event log to the same height and app hash", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "r3mes-ids64-"));
    try {
      const db = path.join(dir, "app.db");
      const node = TestNode.init({ ...start, dbPath: db, snapshotInterval: 1_000 });
      node.blocks(8);
      expect(node.height).toBe(FAR + 4);
      const { appHash, state } = node.app;
      const root = bytesToHex(stateRoot(state!));
      node.close();
      const again = new RemesApp({ dbPath: db });
      expect(again.height).toBe(FAR + 4);
      expect(bytesToHex(again.appHash)).toBe(bytesToHex(appHash));
      expect(bytesToHex(stateRoot(again.state!))).toBe(root);
      again.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("serves a snapshot above 2^32 that a fresh node restores by state sync and builds on", () => {
    const source = TestNode.init({ ...start, snapshotInterval: 2 });
    source.blocks(6);
    const snapshot = source.app
      .listSnapshots()
      .filter((s) => s.height >= BigInt(FAR))
      .at(-1)!;
    expect(Number(snapshot.height)).toBe(source.height);
    const synced = new RemesApp({ dbPath: ":memory:" });
    expect(synced.offerSnapshot(snapshot, source.app.appHash)).toBe(1); // ACCEPT
    for (let i = 0; i < snapshot.chunks; i++)
      synced.applySnapshotChunk(i, source.app.loadSnapshotChunk(source.height, i));
    expect(synced.height).toBe(source.height);
    expect(bytesToHex(synced.appHash)).toBe(bytesToHex(source.app.appHash));
    const next = TestNode.of(synced);
    source.blocks(3);
    next.blocks(3);
    expect(next.height).toBe(FAR + 5);
    expect(bytesToHex(synced.appHash)).toBe(bytesToHex(source.app.appHash));
  });
});

describe("CheckTx of an id above 2^53 - 1", () => {
  it("is refused by decide with the field named, as the simulator refuses it", () => {
    const key = txKeyOf(sha256(new TextEncoder().encode("ids64/validator")));
    const node = TestNode.init({
      chainId: "ids64",
      genesis: { accounts: [{ address: key.address, balance: 1_000_000n }] },
    });
    const tx = (submissionId: bigint) =>
      signTx(
        key,
        [command("challengeGradient", { challenger: key.address, submissionId, bond: 1n })],
        { chainId: "ids64", accountNumber: 0n, sequence: 0n, fee: 0n },
      );
    const r = node.app.checkTx(tx(2n ** 53n), CheckTxType.NEW);
    expect([r.code, r.codespace, r.log]).toEqual([
      2,
      "remes",
      expect.stringContaining("submission_id is 9007199254740992, above 2^53 - 1"),
    ]);
    // 2^53 - 1 passes the check and is simply no live submission.
    const ok = node.app.checkTx(tx(2n ** 53n - 1n), CheckTxType.NEW);
    expect(ok.log).toMatch(/submission 9007199254740991 is not live/);
  });
});
