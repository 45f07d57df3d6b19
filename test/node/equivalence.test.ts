/**
 * Same machine, two runtimes. The simulator records a run with real actor
 * keys (its BlockContexts, commands and app hashes); the recorded commands
 * are signed as Cosmos txs and replayed through the ABCI app — over the
 * ABCI frame codec, through CheckTx-free FinalizeBlock/Commit with every
 * signature, account number and sequence checked, into SQLite — and the app
 * hash after every height must be the simulator's. A real CometBFT chain
 * fed the same stream (it groups txs into blocks its own way) must be
 * reproduced, app hash by app hash, by a fresh in-process app replaying its
 * committed blocks (equivalence.integration.test.ts: it needs the CometBFT
 * binary). Together: simulator ≡ app, and app ≡ app-behind-CometBFT.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Request, Response } from "cosmjs-types/tendermint/abci/types";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GenesisStateSchema } from "../../src/gen/remes/v1/genesis_pb.ts";
import { nodeAppHash } from "../../src/node/accounts.ts";
import { decodeEventLog, RemesApp } from "../../src/node/app.ts";
import { finalizeRequestOfContext } from "../../src/node/replay.ts";
import { serveFrame } from "../../src/node/server.ts";
import { Role } from "../../src/gen/remes/v1/types_pb.ts";
import { fromJson, type JsonValue } from "@bufbuild/protobuf";
import { validatorUpdatesOf } from "../../src/node/validator-updates.ts";
import { AccountModel, type RecordedRun, recordSimRun, StreamSigner } from "./sim-stream.ts";

const CHAIN_ID = "remes-equivalence";

const call = async (app: RemesApp, req: Request) =>
  Response.decode(await serveFrame(Request.encode(Request.fromPartial(req)).finish(), app.handle));

describe("same machine, two runtimes", () => {
  let rec: RecordedRun;
  const dirs: string[] = [];
  beforeAll(async () => {
    rec = await recordSimRun();
  });
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it("the simulator's recorded tx stream, signed and replayed through the ABCI app with the simulator's own block contexts, yields the simulator's app hash at every height", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "r3mes-equiv-"));
    dirs.push(dir);
    const dbPath = path.join(dir, "app.db");
    const app = new RemesApp({ dbPath, snapshotInterval: 10 });
    const genesis = fromJson(GenesisStateSchema, rec.appState as JsonValue);
    const validatorKeys = new Map(
      genesis.roles.filter((r) => r.role === Role.VALIDATOR).map((r) => [r.address, r.pubkey]),
    );
    const init = await call(app, {
      initChain: {
        time: { seconds: 1_700_000_000n, nanos: 0 },
        chainId: CHAIN_ID,
        validators: [],
        appStateBytes: new TextEncoder().encode(JSON.stringify(rec.appState)),
        initialHeight: 1n,
      },
    });
    expect(init.exception).toBeUndefined();

    const model = new AccountModel(rec.appState);
    const signer = new StreamSigner(rec.keys, CHAIN_ID, (a) => model.number(a)!);
    let txs = 0;
    let rejected = 0;
    const kinds = new Set<string>();
    const setChanges: { height: number; key: string; power: bigint }[] = [];
    expect(
      init.initChain!.validators.map((v) => bytesToHex(v.pubKey!.ed25519!)).sort(),
      "InitChain reports the protocol's genesis set",
    ).toEqual([...validatorKeys.values()].map((k) => bytesToHex(k)).sort());
    for (const b of rec.blocks) {
      const signed = b.commands.map((c) => {
        const s = signer.sign(c);
        signer.consumed(s.signer);
        return s;
      });
      for (const c of b.commands) kinds.add(c.case);
      const req = finalizeRequestOfContext(
        b.context,
        signed.map((s) => s.bytes),
        (a) => validatorKeys.get(a),
      );
      expect(
        app.blockContext(req),
        `block context of height ${b.context.height} survives the ABCI mapping`,
      ).toEqual(b.context);
      const res = await call(app, { finalizeBlock: req });
      expect(res.exception, `FinalizeBlock ${b.context.height}`).toBeUndefined();
      const codes = res.finalizeBlock!.txResults.map((t) => t.code);
      // Every tx authenticates (no sdk error); the protocol rejects exactly what the simulator's machine rejected.
      expect(res.finalizeBlock!.txResults.filter((t) => t.codespace === "sdk")).toEqual([]);
      expect(
        codes.filter((c) => c !== 0).length,
        `rejected txs at height ${b.context.height}`,
      ).toBe(b.rejectedTxs);
      expect((await call(app, { commit: {} })).exception).toBeUndefined();
      // CometBFT's set follows the protocol's: the validator updates (through the ABCI codec) are the block's ConsensusSetChanged, key by key.
      const updates = validatorUpdatesOf(
        decodeEventLog(app.store.blockAt(b.context.height)!.events),
      );
      expect(
        res.finalizeBlock!.validatorUpdates.map((u) => [bytesToHex(u.pubKey!.ed25519!), u.power]),
        `validator updates at height ${b.context.height}`,
      ).toEqual(updates.map((u) => [bytesToHex(u.pubKey.ed25519!), u.power]));
      for (const u of updates)
        setChanges.push({
          height: b.context.height,
          key: bytesToHex(u.pubKey.ed25519!),
          power: u.power,
        });
      // The app hash's protocol component is the simulator's app hash; its accounts component is the model's.
      expect(
        bytesToHex(app.protocolHash).toUpperCase(),
        `protocol app hash after height ${b.context.height}`,
      ).toBe(b.appHash);
      model.block(
        signed.map((s) => ({ address: s.signer, pubkey: signer.publicKey(s.signer) })),
        decodeEventLog(app.store.blockAt(b.context.height)!.events),
      );
      expect(
        bytesToHex(res.finalizeBlock!.appHash).toUpperCase(),
        `app hash after height ${b.context.height}`,
      ).toBe(bytesToHex(nodeAppHash(hexToBytes(b.appHash), model.hash)).toUpperCase());
      txs += signed.length;
      rejected += b.rejectedTxs;
    }
    // The stream is not trivial: many blocks, many txs of several kinds (tier-1 mismatches go to tier-3 verdicts, not loss votes).
    expect(rec.blocks.length).toBe(70);
    expect(txs).toBeGreaterThan(50);
    expect([...kinds]).toEqual(
      expect.arrayContaining([
        "submitGradient",
        "commitTrapJobs",
        "revealTrapJobs",
        "commitAggregation",
        "submitAggregation",
        "submitArbitrationVerdict",
      ]),
    );
    expect(rejected).toBeGreaterThan(0);
    // The flaky validator left the set (jailed after its downtime slash) and came back with less power.
    const flaky = bytesToHex(
      validatorKeys.get(rec.run.actors.find((a) => a.group === "flaky_validator")!.address)!,
    );
    const flakyChanges = setChanges.filter((c) => c.key === flaky);
    expect(flakyChanges.map((c) => c.power > 0n)).toEqual([false, true]);
    expect(flakyChanges[1]!.power).toBeLessThan(20_000n);
    app.close();

    // Restart from the database (snapshot + event log) lands on the simulator's final state.
    const again = new RemesApp({ dbPath, snapshotInterval: 10 });
    const info = await call(again, {
      info: { version: "", blockVersion: 0n, p2pVersion: 0n, abciVersion: "" },
    });
    expect(Number(info.info!.lastBlockHeight)).toBe(rec.blocks.length);
    expect(bytesToHex(again.protocolHash).toUpperCase()).toBe(rec.run.appHash.toUpperCase());
    expect(bytesToHex(info.info!.lastBlockAppHash)).toBe(
      bytesToHex(nodeAppHash(again.protocolHash, model.hash)),
    );
    again.close();
  });

  it("and the comparison is sharp: the same replay with one recorded tx left out differs from the simulator's app hash at that height", async () => {
    const app = new RemesApp({ dbPath: ":memory:" });
    const genesis = fromJson(GenesisStateSchema, rec.appState as JsonValue);
    const validatorKeys = new Map(
      genesis.roles.filter((r) => r.role === Role.VALIDATOR).map((r) => [r.address, r.pubkey]),
    );
    await call(app, {
      initChain: {
        time: { seconds: 1_700_000_000n, nanos: 0 },
        chainId: CHAIN_ID,
        validators: [],
        appStateBytes: new TextEncoder().encode(JSON.stringify(rec.appState)),
        initialHeight: 1n,
      },
    });
    const signer = new StreamSigner(rec.keys, CHAIN_ID, (a) => app.accounts.get(a)!.number);
    const target = rec.blocks.find((b) => b.commands.length > 0 && b.rejectedTxs === 0)!;
    for (const b of rec.blocks.slice(0, target.context.height)) {
      const commands = b === target ? b.commands.slice(1) : b.commands;
      const txs = commands.map((c) => {
        const t = signer.sign(c);
        signer.consumed(t.signer);
        return t.bytes;
      });
      await call(app, {
        finalizeBlock: finalizeRequestOfContext(b.context, txs, (a) => validatorKeys.get(a)),
      });
      await call(app, { commit: {} });
      const hash = bytesToHex(app.protocolHash).toUpperCase();
      if (b === target) expect(hash).not.toBe(b.appHash);
      else expect(hash).toBe(b.appHash);
    }
    app.close();
  });
});
