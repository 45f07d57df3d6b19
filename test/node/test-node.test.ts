/**
 * The test node (src/node/testing/test-node.ts) drives the real app as
 * CometBFT would: what a block says (votes, evidence, the proposer's beacon
 * tx) reaches the protocol, and its defaults are the FinalizeBlock literals
 * the tests used before, so a test moved onto it keeps its app hashes.
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import {
  type Request,
  type Response,
  ResponseProcessProposal_ProposalStatus as Status,
} from "cosmjs-types/tendermint/abci/types";
import { describe, expect, it } from "vitest";
import { Offence, Role } from "../../src/gen/remes/v1/types_pb.ts";
import { decodeEventLog } from "../../src/node/event-log.ts";
import { signTx, txKeyOf } from "../../src/node/sign.ts";
import { consensusAddress, TestNode } from "../../src/node/testing/test-node.ts";
import { command } from "../../src/protocol/commands.ts";
import { defaultParams } from "../../src/protocol/params.ts";

const secret = (label: string) => sha256(new TextEncoder().encode(`test-node/${label}`));
const VAL = secret("validator");
const VAL_ACCOUNT = txKeyOf(secret("validator-account"));
const ALICE = txKeyOf(secret("alice"));
const genesis = {
  accounts: [{ address: ALICE.address, balance: 1_000_000n }],
  roles: [
    {
      address: VAL_ACCOUNT.address,
      role: Role.VALIDATOR,
      stake: defaultParams().minValidatorStake,
      pubkey: ed25519.getPublicKey(VAL),
    },
  ],
};
const eventsAt = (node: TestNode, height: number) =>
  decodeEventLog(node.app.store.blockAt(height)!.events);

describe("the test node", () => {
  it("given a node with a consensus key, when it executes blocks, then each leads with its beacon tx, its proposal is accepted and the beacon advances", () => {
    const node = TestNode.init({ genesis, beaconKey: VAL });
    const beacons = [bytesToHex(node.app.beacon.last)];
    for (let h = 1; h <= 3; h++) {
      const block = node.block();
      expect(block.process()).toBe(Status.ACCEPT);
      expect(block.execute().txResults.map((t) => t.log)).toEqual(["beacon"]);
      beacons.push(bytesToHex(node.app.beacon.last));
    }
    expect(node.height).toBe(3);
    expect(new Set(beacons).size).toBe(4);
    // Another proposer's block without its beacon tx is refused.
    expect(
      node
        .block()
        .proposer(consensusAddress(secret("other")))
        .process(),
    ).toBe(Status.REJECT);
  });

  it("given votes and evidence, when the block executes, then the protocol counts the missed vote and slashes the double signer", () => {
    const node = TestNode.init({ genesis });
    node
      .block()
      .signatures([{ validator: VAL, signed: false }])
      .execute();
    expect(
      eventsAt(node, 1)
        .filter((e) => e.case === "livenessMissed")
        .map((e) => e.value),
    ).toMatchObject([{ validators: [VAL_ACCOUNT.address] }]);
    node
      .block()
      .signatures([{ validator: consensusAddress(VAL), signed: true }])
      .misbehavior([{ kind: "duplicate_vote", validator: VAL, height: 1 }])
      .execute();
    const events = eventsAt(node, 2);
    expect(events.some((e) => e.case === "livenessMissed")).toBe(false);
    expect(events.filter((e) => e.case === "slashed").map((e) => e.value)).toMatchObject([
      { address: VAL_ACCOUNT.address, offence: Offence.DOUBLE_SIGN },
    ]);
  });

  it("given a validator whose precommit is for nil, when the block executes, then it is not counted as missing (it is online and voted; as the Cosmos SDK's x/slashing counts only absent votes)", () => {
    const node = TestNode.init({ genesis });
    node
      .block()
      .signatures([{ validator: VAL, signed: "nil" }])
      .execute();
    expect(eventsAt(node, 1).some((e) => e.case === "livenessMissed")).toBe(false);
  });

  it("given the same txs, when one app is driven by the test node and another by the FinalizeBlock literal it replaces, then their app hashes agree at every height", () => {
    const a = TestNode.init({ genesis, chainId: "literal" });
    const b = TestNode.init({ genesis, chainId: "literal" });
    for (let h = 1; h <= 3; h++) {
      const tx = signTx(
        ALICE,
        [
          command("send", {
            fromAddress: ALICE.address,
            toAddress: VAL_ACCOUNT.address,
            amount: BigInt(h),
          }),
        ],
        { chainId: "literal", accountNumber: 0n, sequence: BigInt(h - 1), fee: 0n },
      );
      const r = a.block().txs(tx).execute();
      expect(r.txResults.map((t) => t.code)).toEqual([0]);
      b.app.finalizeBlock({
        txs: [tx],
        decidedLastCommit: { round: 0, votes: [] },
        misbehavior: [],
        hash: new Uint8Array(32).fill(h),
        height: BigInt(h),
        time: { seconds: 10n + BigInt(h), nanos: 0 },
        nextValidatorsHash: new Uint8Array(0),
        proposerAddress: new Uint8Array(20),
      });
      b.app.commit();
      expect(bytesToHex(a.app.appHash)).toBe(bytesToHex(b.app.appHash));
    }
  });
  it("given a block finalized and not yet committed, when an RPC client asks for ABCI Info (CometBFT's /abci_info) before the Commit, then Info answers the last committed height and the Commit still goes through", () => {
    // Before: Info dropped the pending block, the Commit that followed failed ("Commit without a finalized
    // block") and CometBFT stopped — any RPC client could stop a node by timing /abci_info.
    const node = TestNode.init({ genesis });
    node.blocks(2);
    const committed = node.app.handle({ info: {} } as Request, "info") as Response;
    const block = node.block();
    const finalized = block.finalize();
    const info = (node.app.handle({ info: {} } as Request, "info") as Response).info!;
    expect(info.lastBlockHeight).toBe(2n);
    expect(bytesToHex(info.lastBlockAppHash)).toBe(bytesToHex(committed.info!.lastBlockAppHash));
    node.app.handle({ commit: {} } as Request, "commit");
    expect(node.height).toBe(3);
    const after = (node.app.handle({ info: {} } as Request, "info") as Response).info!;
    expect(after.lastBlockHeight).toBe(3n);
    expect(bytesToHex(after.lastBlockAppHash)).toBe(bytesToHex(finalized.appHash));
    node.close();
  });

  it("given a block finalized and not committed, when CometBFT (restarted) sends FinalizeBlock of the same height again, then the first is dropped and the block applies once", () => {
    const a = TestNode.init({ genesis });
    const b = TestNode.init({ genesis });
    const tx = signTx(
      ALICE,
      [command("send", { fromAddress: ALICE.address, toAddress: VAL_ACCOUNT.address, amount: 5n })],
      { chainId: "test", accountNumber: 0n, sequence: 0n, fee: 0n },
    );
    a.block().txs(tx).finalize();
    a.app.handle({ info: {} } as Request, "info");
    const again = a.block().txs(tx).execute();
    const once = b.block().txs(tx).execute();
    expect(bytesToHex(again.appHash)).toBe(bytesToHex(once.appHash));
    expect(again.txResults.map((r) => r.code)).toEqual(once.txResults.map((r) => r.code));
    a.close();
    b.close();
  });
});
