/**
 * fast-check against the ABCI server in-process: ≥ 10,000 random and
 * mutated request frames and tx bytes; the app never crashes and every
 * reply decodes as a Response with exactly one field set.
 */
import { create, toJson } from "@bufbuild/protobuf";
import fc from "fast-check";
import { Request, Response } from "cosmjs-types/tendermint/abci/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GenesisStateSchema } from "../../src/gen/remes/v1/genesis_pb.ts";
import { RemesApp } from "../../src/node/app.ts";
import { serveFrame } from "../../src/node/server.ts";
import { addressOfPubkey } from "../../src/node/tx.ts";
import { secp256k1 } from "@noble/curves/secp256k1.js";

const oneField = (r: Response) => Object.values(r).filter((v) => v !== undefined).length === 1;

describe("ABCI server fuzz", () => {
  let app: RemesApp;
  const seeds: Uint8Array[] = [];
  beforeAll(async () => {
    app = new RemesApp({ dbPath: ":memory:" });
    const addr = addressOfPubkey(secp256k1.getPublicKey(new Uint8Array(32).fill(7), true));
    const genesis = toJson(
      GenesisStateSchema,
      create(GenesisStateSchema, { accounts: [{ address: addr, balance: 10n ** 12n }] }),
    );
    const init = Request.encode({
      initChain: {
        time: { seconds: 1n, nanos: 0 },
        chainId: "fuzz",
        validators: [],
        appStateBytes: new TextEncoder().encode(JSON.stringify(genesis)),
        initialHeight: 1n,
      },
    }).finish();
    expect(Response.decode(await serveFrame(init, app.handle)).initChain).toBeDefined();
    const reqs: Request[] = [
      { info: { version: "", blockVersion: 0n, p2pVersion: 0n, abciVersion: "" } },
      { checkTx: { tx: new Uint8Array(10), type: 0 } },
      {
        query: {
          path: "/cosmos.bank.v1beta1.Query/Balance",
          data: new Uint8Array(4),
          height: 0n,
          prove: false,
        },
      },
      {
        query: {
          path: "/remes.remes.v1.Query/Params",
          data: new Uint8Array(0),
          height: 0n,
          prove: false,
        },
      },
      {
        processProposal: {
          txs: [new Uint8Array(3)],
          proposedLastCommit: { round: 0, votes: [] },
          misbehavior: [],
          hash: new Uint8Array(32),
          height: 1n,
          time: { seconds: 2n, nanos: 0 },
          nextValidatorsHash: new Uint8Array(0),
          proposerAddress: new Uint8Array(20),
        },
      },
      { listSnapshots: {} },
      { loadSnapshotChunk: { height: 0n, format: 1, chunk: 0 } },
      {
        offerSnapshot: {
          snapshot: {
            height: 5n,
            format: 1,
            chunks: 1,
            hash: new Uint8Array(32),
            metadata: new Uint8Array(0),
          },
          appHash: new Uint8Array(32),
        },
      },
    ];
    for (const r of reqs) seeds.push(Request.encode(Request.fromPartial(r)).finish());
  });
  afterAll(() => app.close());

  it("answers 6,000 random or mutated frames with well-formed responses (18,000 frames with the next test)", async () => {
    const mutated = fc
      .tuple(
        fc.constantFrom(...seeds),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat(),
      )
      .map(([seed, edits, cut]) => {
        const b = seed.slice(0, seed.length - (cut % 3 === 0 ? cut % Math.max(1, seed.length) : 0));
        for (const [at, v] of edits) if (b.length > 0) b[at % b.length] = v;
        return b;
      });
    const frames = fc.oneof(fc.uint8Array({ maxLength: 200 }), mutated);
    await fc.assert(
      fc.asyncProperty(frames, async (bytes) => {
        const r = Response.decode(await serveFrame(bytes, app.handle));
        expect(oneField(r)).toBe(true);
      }),
      { numRuns: 6_000 },
    );
  });

  it("answers random tx bytes in CheckTx, PrepareProposal and ProcessProposal without crashing", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 3 }),
        async (txs) => {
          for (const req of [
            { checkTx: { tx: txs[0]!, type: 0 } },
            {
              prepareProposal: {
                maxTxBytes: 1_000_000n,
                txs,
                localLastCommit: { round: 0, votes: [] },
                misbehavior: [],
                height: 1n,
                time: { seconds: 2n, nanos: 0 },
                nextValidatorsHash: new Uint8Array(0),
                proposerAddress: new Uint8Array(20),
              },
            },
            {
              processProposal: {
                txs,
                proposedLastCommit: { round: 0, votes: [] },
                misbehavior: [],
                hash: new Uint8Array(32),
                height: 1n,
                time: { seconds: 2n, nanos: 0 },
                nextValidatorsHash: new Uint8Array(0),
                proposerAddress: new Uint8Array(20),
              },
            },
          ] as Request[]) {
            const r = Response.decode(
              await serveFrame(Request.encode(Request.fromPartial(req)).finish(), app.handle),
            );
            expect(oneField(r)).toBe(true);
            expect(r.exception).toBeUndefined();
            if (r.checkTx) expect(r.checkTx.code).not.toBe(0);
            if (r.prepareProposal) expect(r.prepareProposal.txs).toHaveLength(0);
          }
        },
      ),
      { numRuns: 4_000 },
    );
  });
});
