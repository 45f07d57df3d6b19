/**
 * The node's beacon (src/node/beacon.ts, src/protocol/beacon.ts): the ECVRF
 * over the ed25519 consensus key has one output per key and input whatever
 * nonce the prover picks; ProcessProposal accepts only a block that leads
 * with its proposer's beacon tx chained on the last block's beacon, and
 * FinalizeBlock advances the beacon from it.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256, sha512 } from "@noble/hashes/sha2.js";
import { bytesToHex, concatBytes } from "@noble/hashes/utils.js";
import { ResponseProcessProposal_ProposalStatus as Status } from "cosmjs-types/tendermint/abci/types";
import { describe, expect, it } from "vitest";
import { Role } from "../../src/gen/remes/v1/types_pb.ts";
import { RemesApp } from "../../src/node/app.ts";
import { txKeyOf } from "../../src/node/sign.ts";
import { NodeBeacon, proposeBeaconTx, vrfProve, vrfVerify } from "../../src/node/beacon.ts";
import { consensusAddress, TestNode } from "../../src/node/testing/test-node.ts";
import {
  beaconMessage,
  beaconTx,
  beaconValue,
  isBeaconTx,
  parseBeaconTx,
} from "../../src/protocol/beacon.ts";
import { defaultParams } from "../../src/protocol/params.ts";
import { hashParts } from "../../src/protocol/randomness.ts";

/** A block data limit no test reaches. */
const NO_LIMIT = 1n << 40n;
const secret = (label: string) => sha256(new TextEncoder().encode(`beacon-test/${label}`));
const VAL = secret("validator");
const OTHER = secret("other");
const VAL_ADDRESS = txKeyOf(secret("account")).address;

const genesis = {
  roles: [
    {
      address: VAL_ADDRESS,
      role: Role.VALIDATOR,
      stake: defaultParams().minValidatorStake,
      pubkey: ed25519.getPublicKey(VAL),
    },
  ],
};
const freshNode = (beaconKey?: Uint8Array, dbPath = ":memory:", snapshotInterval?: number) =>
  TestNode.init({
    genesis,
    chainId: "beacon",
    dbPath,
    beaconKey,
    ...(snapshotInterval ? { snapshotInterval } : {}),
  });
/** ProcessProposal of the next block holding exactly `txs`, proposed by `proposer`. */
const propose = (node: TestNode, txs: Uint8Array[], proposer = VAL) =>
  node
    .block()
    .proposer(consensusAddress(proposer))
    .txs(...txs)
    .process();

/** An ECVRF proof of the same alpha made with another nonce k: what a modified prover could send. */
const proveWithNonce = (sk: Uint8Array, alpha: Uint8Array, k: bigint) => {
  const P = ed25519.Point;
  const L = P.Fn.ORDER;
  const honest = vrfProve(sk, alpha);
  const { scalar, pointBytes } = ed25519.utils.getExtendedPublicKey(sk);
  const gamma = honest.proof.subarray(0, 32);
  // H = hash_to_curve(Y ‖ alpha) as the module does it: recover it from Γ = x·H.
  const Hpt = P.fromBytes(gamma).multiply(P.Fn.inv(scalar));
  const c = sha512(
    concatBytes(
      new TextEncoder().encode("remes/vrf"),
      pointBytes,
      Hpt.toBytes(),
      gamma,
      P.BASE.multiply(k).toBytes(),
      Hpt.multiply(k).toBytes(),
    ),
  ).slice(0, 16);
  let cn = 0n;
  for (let i = 15; i >= 0; i--) cn = (cn << 8n) | BigInt(c[i]!);
  let s = (k + cn * scalar) % L;
  const sb = new Uint8Array(32);
  for (let i = 0; i < 32; i++, s >>= 8n) sb[i] = Number(s & 0xffn);
  return concatBytes(gamma, c, sb);
};

describe("the ECVRF beacon proof", () => {
  it("given a key and an input, when a prover picks another nonce, then the proof changes but verifies to the same output", () => {
    const alpha = beaconMessage(7, hashParts("prev"));
    const honest = vrfProve(VAL, alpha);
    const other = proveWithNonce(VAL, alpha, 123_456_789n);
    expect(bytesToHex(other)).not.toBe(bytesToHex(honest.proof));
    expect(bytesToHex(vrfVerify(ed25519.getPublicKey(VAL), alpha, other)!)).toBe(
      bytesToHex(honest.output),
    );
  });

  it("given a proof, its output is sha256 of the domain and Gamma times the cofactor 8 (the doublings outputOf takes are multiply(8n))", () => {
    for (let h = 1; h <= 8; h++) {
      const { output, proof } = vrfProve(VAL, beaconMessage(h, hashParts("prev")));
      const gamma = ed25519.Point.fromBytes(proof.subarray(0, 32));
      expect(bytesToHex(output)).toBe(
        bytesToHex(
          sha256(
            concatBytes(new TextEncoder().encode("remes/vrf-out"), gamma.multiply(8n).toBytes()),
          ),
        ),
      );
    }
  });

  it("given a proof, when the key, the input or a byte differs, then it does not verify", () => {
    const alpha = beaconMessage(7, hashParts("prev"));
    const { output, proof } = vrfProve(VAL, alpha);
    const pub = ed25519.getPublicKey(VAL);
    expect(bytesToHex(vrfVerify(pub, alpha, proof)!)).toBe(bytesToHex(output));
    expect(vrfVerify(ed25519.getPublicKey(OTHER), alpha, proof)).toBeUndefined();
    expect(vrfVerify(pub, beaconMessage(8, hashParts("prev")), proof)).toBeUndefined();
    for (const i of [0, 40, 70]) {
      const bad = proof.slice();
      bad[i]! ^= 1;
      expect(vrfVerify(pub, alpha, bad)).toBeUndefined();
    }
  });

  it("the beacon tx is told from any protobuf TxRaw by its first byte and round-trips", () => {
    const out = hashParts("out");
    const tx = beaconTx(out, new Uint8Array([1, 2, 3]));
    expect(isBeaconTx(tx)).toBe(true);
    expect(isBeaconTx(Uint8Array.of(0x0a, 0x02, 0xff, 0x72))).toBe(false);
    expect(parseBeaconTx(tx)).toEqual({ output: out, proof: new Uint8Array([1, 2, 3]) });
  });
});

describe("ProcessProposal and the beacon", () => {
  it("given the genesis beacon, when the proposer's block leads with its beacon tx, then it is accepted and FinalizeBlock advances the beacon from it", () => {
    const node = freshNode(VAL);
    const app = node.app;
    const b0 = app.beacon.last;
    const [tx, ...rest] = app.beacon.prepare(1, NO_LIMIT, () => []);
    expect(rest).toEqual([]);
    expect(propose(node, [tx!])).toBe(Status.ACCEPT);
    const r = node.block().execute();
    expect(r.txResults.map((t) => t.code)).toEqual([0]);
    const expected = beaconValue(1, vrfProve(VAL, beaconMessage(1, b0)).output);
    expect(bytesToHex(app.beacon.last)).toBe(bytesToHex(expected));
    // Height 2 chains on B[1]: the tx proposed against the genesis beacon again is refused.
    expect(propose(node, [proposeBeaconTx(VAL, 2, b0)])).toBe(Status.REJECT);
    expect(
      propose(
        node,
        app.beacon.prepare(2, NO_LIMIT, () => []),
      ),
    ).toBe(Status.ACCEPT);
  });

  it("given a proposal, when its beacon tx is missing, forged, another key's or doubled, then it is rejected", () => {
    const node = freshNode(VAL);
    const b0 = node.app.beacon.last;
    const good = proposeBeaconTx(VAL, 1, b0);
    expect(propose(node, [])).toBe(Status.REJECT);
    // A chosen output with the honest proof: the output is not the proof's.
    const parsed = parseBeaconTx(good)!;
    expect(propose(node, [beaconTx(hashParts("chosen"), parsed.proof)])).toBe(Status.REJECT);
    // A proof by a key that is not the proposer's registered one.
    expect(propose(node, [proposeBeaconTx(OTHER, 1, b0)])).toBe(Status.REJECT);
    // A proposer that is not a registered validator.
    expect(propose(node, [proposeBeaconTx(OTHER, 1, b0)], OTHER)).toBe(Status.REJECT);
    expect(propose(node, [good, good])).toBe(Status.REJECT);
    expect(propose(node, [good])).toBe(Status.ACCEPT);
  });

  it("given a committed block, when the app restarts from its store, then it chains the next proposal on that block's beacon", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "r3mes-beacon-"));
    try {
      const db = path.join(dir, "app.db");
      const node = freshNode(VAL, db);
      node.block().execute();
      const b1 = node.app.beacon.last;
      node.close();
      const again = new RemesApp({ dbPath: db, beaconKey: VAL });
      expect(bytesToHex(again.beacon.last)).toBe(bytesToHex(b1));
      expect(
        propose(
          TestNode.of(again),
          again.beacon.prepare(2, NO_LIMIT, () => []),
        ),
      ).toBe(Status.ACCEPT);
      again.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("given a snapshot taken after a block, when a fresh node state-syncs from it, then it chains the next proposal on that block's beacon", () => {
    const sourceNode = freshNode(VAL, ":memory:", 1);
    const source = sourceNode.app;
    sourceNode.block().execute();
    const [snapshot] = source.listSnapshots().filter((x) => x.height === 1n);
    expect(snapshot).toBeDefined();
    const synced = new RemesApp({ dbPath: ":memory:", beaconKey: VAL });
    expect(synced.offerSnapshot(snapshot!, source.appHash)).toBe(1); // ACCEPT
    for (let i = 0; i < snapshot!.chunks; i++)
      synced.applySnapshotChunk(i, source.loadSnapshotChunk(1, i));
    expect(synced.height).toBe(1);
    expect(bytesToHex(synced.beacon.last)).toBe(bytesToHex(source.beacon.last));
    expect(
      propose(
        TestNode.of(synced),
        source.beacon.prepare(2, NO_LIMIT, () => []),
      ),
    ).toBe(Status.ACCEPT);
  });

  it("given this node's own proposal, when ProcessProposal sees it (unverified), then it is accepted only as proposed: same height, previous beacon, bytes and the proposer's registered key", () => {
    const node = freshNode(VAL);
    const [own] = node.app.beacon.prepare(1, NO_LIMIT, () => []);
    const flipped = own!.slice();
    flipped[flipped.length - 1]! ^= 1;
    expect(propose(node, [flipped])).toBe(Status.REJECT);
    expect(propose(node, [own!, own!])).toBe(Status.REJECT);
    expect(propose(node, [own!])).toBe(Status.ACCEPT);
    node.block().execute();
    // Height 2: the memo is height 1's, on the genesis beacon.
    expect(propose(node, [own!])).toBe(Status.REJECT);
    // A node whose key is not the proposer's registered one: its own tx is verified, and refused.
    const wrongKey = freshNode(OTHER);
    const [mine] = wrongKey.app.beacon.prepare(1, NO_LIMIT, () => []);
    expect(propose(wrongKey, [mine!])).toBe(Status.REJECT);
  });

  it("a node without a consensus key proposes no beacon tx and drops any it is handed", () => {
    expect(
      new NodeBeacon(undefined).prepare(1, NO_LIMIT, () => [beaconTx(hashParts("x"))]),
    ).toEqual([]);
  });
});
