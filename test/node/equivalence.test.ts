/**
 * Same machine, two runtimes. The simulator records a run with real actor
 * keys (its BlockContexts, commands and app hashes); the recorded commands
 * are signed as Cosmos txs and replayed through the ABCI app — over the
 * ABCI frame codec, through CheckTx-free FinalizeBlock/Commit with every
 * signature, account number and sequence checked, into SQLite — and the app
 * hash after every height must be the simulator's. A real CometBFT chain
 * fed the same stream (it groups txs into blocks its own way) must be
 * reproduced, app hash by app hash, by a fresh in-process app replaying its
 * committed blocks. Together: simulator ≡ app, and app ≡ app-behind-CometBFT.
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
import { StargateClient } from "@cosmjs/stargate";
import { validatorUpdatesOf } from "../../src/node/validator-updates.ts";
import { LocalChain, sleep } from "./harness.ts";
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
    const validatorKeys = new Map(genesis.roles.filter((r) => r.role === Role.VALIDATOR).map((r) => [r.address, r.pubkey]));
    const init = await call(app, { initChain: { time: { seconds: 1_700_000_000n, nanos: 0 }, chainId: CHAIN_ID, validators: [], appStateBytes: new TextEncoder().encode(JSON.stringify(rec.appState)), initialHeight: 1n } });
    expect(init.exception).toBeUndefined();

    const model = new AccountModel(rec.appState);
    const signer = new StreamSigner(rec.keys, CHAIN_ID, (a) => model.number(a)!);
    let txs = 0;
    let rejected = 0;
    const kinds = new Set<string>();
    const setChanges: { height: number; key: string; power: bigint }[] = [];
    expect(init.initChain!.validators.map((v) => bytesToHex(v.pubKey!.ed25519!)).sort(), "InitChain reports the protocol's genesis set").toEqual([...validatorKeys.values()].map((k) => bytesToHex(k)).sort());
    for (const b of rec.blocks) {
      const signed = b.commands.map((c) => {
        const s = signer.sign(c);
        signer.consumed(s.signer);
        return s;
      });
      for (const c of b.commands) kinds.add(c.case);
      const req = finalizeRequestOfContext(b.context, signed.map((s) => s.bytes), (a) => validatorKeys.get(a));
      expect(app.blockContext(req), `block context of height ${b.context.height} survives the ABCI mapping`).toEqual(b.context);
      const res = await call(app, { finalizeBlock: req });
      expect(res.exception, `FinalizeBlock ${b.context.height}`).toBeUndefined();
      const codes = res.finalizeBlock!.txResults.map((t) => t.code);
      // Every tx authenticates (no sdk error); the protocol rejects exactly what the simulator's machine rejected.
      expect(res.finalizeBlock!.txResults.filter((t) => t.codespace === "sdk")).toEqual([]);
      expect(codes.filter((c) => c !== 0).length, `rejected txs at height ${b.context.height}`).toBe(b.rejectedTxs);
      expect((await call(app, { commit: {} })).exception).toBeUndefined();
      // CometBFT's set follows the protocol's: the validator updates (through the ABCI codec) are the block's ConsensusSetChanged, key by key.
      const updates = validatorUpdatesOf(decodeEventLog(app.store.blockAt(b.context.height)!.events));
      expect(res.finalizeBlock!.validatorUpdates.map((u) => [bytesToHex(u.pubKey!.ed25519!), u.power]), `validator updates at height ${b.context.height}`).toEqual(updates.map((u) => [bytesToHex(u.pubKey.ed25519!), u.power]));
      for (const u of updates) setChanges.push({ height: b.context.height, key: bytesToHex(u.pubKey.ed25519!), power: u.power });
      // The app hash's protocol component is the simulator's app hash; its accounts component is the model's.
      expect(bytesToHex(app.protocolHash).toUpperCase(), `protocol app hash after height ${b.context.height}`).toBe(b.appHash);
      model.block(signed.map((s) => ({ address: s.signer, pubkey: signer.publicKey(s.signer) })), decodeEventLog(app.store.blockAt(b.context.height)!.events));
      expect(bytesToHex(res.finalizeBlock!.appHash).toUpperCase(), `app hash after height ${b.context.height}`).toBe(bytesToHex(nodeAppHash(hexToBytes(b.appHash), model.hash)).toUpperCase());
      txs += signed.length;
      rejected += b.rejectedTxs;
    }
    // The stream is not trivial: many blocks, many txs of several kinds (tier-1 mismatches go to tier-3 verdicts, not loss votes).
    expect(rec.blocks.length).toBe(70);
    expect(txs).toBeGreaterThan(50);
    expect([...kinds]).toEqual(expect.arrayContaining(["submitGradient", "commitTrapJobs", "revealTrapJobs", "commitAggregation", "submitAggregation", "submitArbitrationVerdict"]));
    expect(rejected).toBeGreaterThan(0);
    // The flaky validator left the set (jailed after its downtime slash) and came back with less power.
    const flaky = bytesToHex(validatorKeys.get(rec.run.actors.find((a) => a.group === "flaky_validator")!.address)!);
    const flakyChanges = setChanges.filter((c) => c.key === flaky);
    expect(flakyChanges.map((c) => c.power > 0n)).toEqual([false, true]);
    expect(flakyChanges[1]!.power).toBeLessThan(20_000n);
    app.close();

    // Restart from the database (snapshot + event log) lands on the simulator's final state.
    const again = new RemesApp({ dbPath, snapshotInterval: 10 });
    const info = await call(again, { info: { version: "", blockVersion: 0n, p2pVersion: 0n, abciVersion: "" } });
    expect(Number(info.info!.lastBlockHeight)).toBe(rec.blocks.length);
    expect(bytesToHex(again.protocolHash).toUpperCase()).toBe(rec.run.appHash.toUpperCase());
    expect(bytesToHex(info.info!.lastBlockAppHash)).toBe(bytesToHex(nodeAppHash(again.protocolHash, model.hash)));
    again.close();
  });

  it("and the comparison is sharp: the same replay with one recorded tx left out differs from the simulator's app hash at that height", async () => {
    const app = new RemesApp({ dbPath: ":memory:" });
    const genesis = fromJson(GenesisStateSchema, rec.appState as JsonValue);
    const validatorKeys = new Map(genesis.roles.filter((r) => r.role === Role.VALIDATOR).map((r) => [r.address, r.pubkey]));
    await call(app, { initChain: { time: { seconds: 1_700_000_000n, nanos: 0 }, chainId: CHAIN_ID, validators: [], appStateBytes: new TextEncoder().encode(JSON.stringify(rec.appState)), initialHeight: 1n } });
    const signer = new StreamSigner(rec.keys, CHAIN_ID, (a) => app.accounts.get(a)!.number);
    const target = rec.blocks.find((b) => b.commands.length > 0 && b.rejectedTxs === 0)!;
    for (const b of rec.blocks.slice(0, target.context.height)) {
      const commands = b === target ? b.commands.slice(1) : b.commands;
      const txs = commands.map((c) => {
        const t = signer.sign(c);
        signer.consumed(t.signer);
        return t.bytes;
      });
      await call(app, { finalizeBlock: finalizeRequestOfContext(b.context, txs, (a) => validatorKeys.get(a)) });
      await call(app, { commit: {} });
      const hash = bytesToHex(app.protocolHash).toUpperCase();
      if (b === target) expect(hash).not.toBe(b.appHash);
      else expect(hash).toBe(b.appHash);
    }
    app.close();
  });

  it("the same recorded stream, signed and broadcast to a real single-node CometBFT chain, is committed, and a fresh in-process app replaying the committed blocks reproduces CometBFT's app hash at every height", async () => {
    const appState = rec.appState as { params: JsonValue; accounts: JsonValue; roles: JsonValue; vault: JsonValue };
    // The simulator's txs pay no fee, so this node takes free txs (fees are tested in chain.test.ts).
    // No node runs the simulated validators' consensus keys: bonded with them they would hold power CometBFT waits for, so they join keyless.
    const roles = (appState.roles as { pubkey?: string }[]).map(({ pubkey: _, ...r }) => r);
    const chain = await LocalChain.create({ chainId: CHAIN_ID, minGasPrice: "0uremes", params: appState.params, genesisExtra: { accounts: appState.accounts, roles: roles as JsonValue, vault: appState.vault } });
    dirs.push(chain.home);
    try {
      chain.start();
      // Height 2: block 1 is committed in the app too (CometBFT reports a height once the block is stored).
      await chain.waitForHeight(2);
      const client = await StargateClient.connect(chain.rpc);
      const numbers = new Map<string, bigint>();
      for (const address of rec.keys.keys()) numbers.set(address, BigInt((await client.getAccount(address))!.accountNumber));
      client.disconnect();
      const signer = new StreamSigner(rec.keys, CHAIN_ID, (a) => numbers.get(a)!);
      // Paced by height so the windows line up roughly as in the simulator; CometBFT still groups txs its own way.
      const accepted = new Set<string>();
      const refused: string[] = [];
      for (const b of rec.blocks) {
        while (((await chain.status())?.height ?? 0) < b.context.height - 1) await sleep(50);
        for (const cmd of b.commands) {
          const s = signer.sign(cmd);
          const r = await chain.broadcastSync(s.bytes);
          if (r.code === 0) {
            signer.consumed(s.signer);
            accepted.add(r.hash);
          } else refused.push(`${r.codespace}/${r.code} ${cmd.case}: ${r.log}`);
        }
      }
      const top = await chain.waitForHeight(rec.blocks.length + 2);
      const replay = await chain.replayThroughFreshApp(top - 1);
      expect(replay.mismatches).toEqual([]);
      // Every tx CheckTx accepted was committed. Every refusal is the protocol's (its randomness comes from
      // CometBFT's block hashes, so shards and deadlines differ from the simulator's); none is a signature,
      // account or sequence error.
      const committed = new Set(replay.txs.map((t) => t.hash));
      expect([...accepted].filter((h) => !committed.has(h))).toEqual([]);
      expect(refused.filter((r) => !r.startsWith("remes/"))).toEqual([]);
      expect(accepted.size).toBeGreaterThan(rec.blocks.length / 4);
    } finally {
      await chain.stop();
    }
  }, 240_000);
});
