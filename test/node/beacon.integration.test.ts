/**
 * The beacon on a real CometBFT chain (one validator, the app in this
 * process so its key can be switched): a proposer whose block lacks the
 * beacon tx, or carries one proved with a key that is not its registered
 * consensus key, has its block refused by ProcessProposal and the chain
 * makes no block; with its own key, every block leads with a beacon tx
 * whose ECVRF proof verifies under the validator's key, chained on the
 * previous block's beacon, and a fresh app replaying the blocks reproduces
 * every app hash.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { Request, Response } from "cosmjs-types/tendermint/abci/types";
import { afterAll, describe, expect, it } from "vitest";
import { RemesApp } from "../../src/node/app.ts";
import { beaconTxProblem, consensusSecretKeyOf } from "../../src/node/beacon.ts";
import { fetchFinalizeRequest, parseRfc3339 } from "../../src/node/replay.ts";
import { AbciServer, serveFrame } from "../../src/node/server.ts";
import { beaconValue, parseBeaconTx } from "../../src/protocol/beacon.ts";
import { LocalChain, sleep } from "./harness.ts";

describe("the beacon under CometBFT", () => {
  let chain: LocalChain | undefined;
  let server: AbciServer | undefined;
  let app: RemesApp | undefined;
  afterAll(async () => {
    await chain?.stop();
    await server?.close();
    app?.close();
    chain?.remove();
  });

  it("refuses proposals without their proposer's beacon, then advances the beacon block by block from the proposer's VRF", async () => {
    chain = await LocalChain.create();
    const lines: string[] = [];
    app = new RemesApp({
      dbPath: path.join(chain.home, "beacon-app.db"),
      log: (l) => lines.push(l),
    });
    server = new AbciServer(app.handle, {
      address: `unix://${path.join(chain.home, "abci.sock")}`,
    });
    await server.listen();
    await chain.startComet();

    // No key: the proposal carries no beacon tx; its own ProcessProposal refuses it, round after round.
    await sleep(3_000);
    expect((await chain.status())?.height ?? 0).toBe(0);
    expect(
      lines.some((l) =>
        /ProcessProposal 1 rejected: the block does not start with a beacon tx/.test(l),
      ),
    ).toBe(true);

    // Another key: the proof does not verify under the registered consensus key.
    app.beacon.secretKey = sha256(new TextEncoder().encode("not the consensus key"));
    await sleep(3_000);
    expect((await chain.status())?.height ?? 0).toBe(0);
    expect(
      lines.some((l) => /ProcessProposal 1 rejected: the beacon proof does not verify/.test(l)),
    ).toBe(true);

    // Its own key: blocks come.
    const key = consensusSecretKeyOf(chain.home)!;
    app.beacon.secretKey = key;
    const top = await chain.waitForHeight(5);

    // Every committed block leads with a beacon tx chained on the previous block's beacon (B[0]: the genesis protocol hash).
    const genesis = JSON.parse(
      fs.readFileSync(path.join(chain.home, "config/genesis.json"), "utf8"),
    ) as { chain_id: string; genesis_time: string; app_state: unknown };
    const fresh = new RemesApp({ dbPath: ":memory:" });
    const call = async (req: Request) =>
      Response.decode(
        await serveFrame(Request.encode(Request.fromPartial(req)).finish(), fresh.handle),
      );
    await call({
      initChain: {
        time: parseRfc3339(genesis.genesis_time),
        chainId: genesis.chain_id,
        validators: [],
        appStateBytes: new TextEncoder().encode(JSON.stringify(genesis.app_state)),
        initialHeight: 1n,
      },
    });
    const beacons = new Set<string>();
    for (let h = 1; h < top; h++) {
      const { request } = await fetchFinalizeRequest(chain.rpc, h);
      expect(
        beaconTxProblem(request.txs[0], ed25519.getPublicKey(key), h, fresh.beacon.last),
        `beacon tx of block ${h}`,
      ).toBeUndefined();
      const res = await call({ finalizeBlock: request });
      expect(bytesToHex(res.finalizeBlock!.appHash).toUpperCase(), `app hash after ${h}`).toBe(
        await chain.appHashAfter(h),
      );
      await call({ commit: {} });
      expect(bytesToHex(fresh.beacon.last)).toBe(
        bytesToHex(beaconValue(h, parseBeaconTx(request.txs[0])!.output)),
      );
      beacons.add(bytesToHex(fresh.beacon.last));
    }
    expect(beacons.size).toBe(top - 1);
    fresh.close();
  }, 120_000);
});
