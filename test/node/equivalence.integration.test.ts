/**
 * Same machine, two runtimes, the CometBFT half (equivalence.test.ts holds
 * the in-process half): the simulator's recorded stream, signed and
 * broadcast to a real single-node CometBFT chain, is committed, and a fresh
 * in-process app replaying the committed blocks reproduces CometBFT's app
 * hash at every height. Needs the CometBFT binary (npm run setup:tools).
 */
import * as fs from "node:fs";
import type { JsonValue } from "@bufbuild/protobuf";
import { StargateClient } from "@cosmjs/stargate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalChain, sleep } from "./harness.ts";
import { type RecordedRun, recordSimRun, StreamSigner } from "./sim-stream.ts";

const CHAIN_ID = "remes-equivalence";

describe("same machine, two runtimes (real CometBFT)", () => {
  let rec: RecordedRun;
  const dirs: string[] = [];
  beforeAll(async () => {
    rec = await recordSimRun();
  });
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it("the same recorded stream, signed and broadcast to a real single-node CometBFT chain, is committed, and a fresh in-process app replaying the committed blocks reproduces CometBFT's app hash at every height", async () => {
    const appState = rec.appState as {
      params: JsonValue;
      accounts: JsonValue;
      roles: JsonValue;
      vault: JsonValue;
    };
    // The simulator's txs pay no fee, so this node takes free txs (fees are tested in chain.integration.test.ts).
    // No node runs the simulated validators' consensus keys: bonded with them they would hold power CometBFT waits for, so they join keyless.
    const roles = (appState.roles as { pubkey?: string }[]).map(({ pubkey: _, ...r }) => r);
    const chain = await LocalChain.create({
      chainId: CHAIN_ID,
      minGasPrice: "0uremes",
      params: appState.params,
      genesisExtra: {
        accounts: appState.accounts,
        roles: roles as JsonValue,
        vault: appState.vault,
      },
    });
    dirs.push(chain.home);
    try {
      chain.start();
      // Height 2: block 1 is committed in the app too (CometBFT reports a height once the block is stored).
      await chain.waitForHeight(2);
      const client = await StargateClient.connect(chain.rpc);
      const numbers = new Map<string, bigint>();
      for (const address of rec.keys.keys())
        numbers.set(address, BigInt((await client.getAccount(address))!.accountNumber));
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
