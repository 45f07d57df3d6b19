/**
 * CometBFT's validator set follows the protocol, on a real two-node chain:
 * a second node's operator registers its consensus key after genesis (with
 * the proof of possession), CometBFT gives the key power and the node signs
 * later commits; stopped, it misses blocks, is slashed for downtime, jailed,
 * and CometBFT drops it from the set.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { makeCosmoshubPath, SigningStargateClient } from "@cosmjs/stargate";
import { afterAll, describe, expect, it } from "vitest";
import { command } from "../../src/protocol/commands.ts";
import { signPop } from "../../src/protocol/consensus-keys.ts";
import { UREMES_PER_REMES } from "../../src/protocol/params.ts";
import { encodeObject, remesRegistry } from "../../src/node/registry.ts";
import { freePort, LocalChain, root, sleep, TEST_MNEMONIC } from "./harness.ts";

interface RpcValidator {
  address: string;
  pub_key: { value: string };
  voting_power: string;
}

const validators = async (rpc: string): Promise<RpcValidator[]> =>
  (
    (await (await fetch(`${rpc}/validators?per_page=100`)).json()) as {
      result: { validators: RpcValidator[] };
    }
  ).result.validators;
/**
 * The validators whose precommit is in the commit of `height`: for the block (flag 2) or for nil (3). B, beside A
 * holding > 2/3, often receives A's precommit before A's prevote and then precommits nil: it voted, and the protocol
 * counts it as signed (only an absent vote, flag 1, is a miss).
 */
const signersAt = async (rpc: string, height: number): Promise<string[]> =>
  (
    (await (await fetch(`${rpc}/commit?height=${height}`)).json()) as {
      result: {
        signed_header: {
          commit: { signatures: { validator_address: string; block_id_flag: number }[] };
        };
      };
    }
  ).result.signed_header.commit.signatures
    .filter((s) => s.block_id_flag === 2 || s.block_id_flag === 3)
    .map((s) => s.validator_address);

const until = async <T>(
  what: string,
  f: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> => {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}`);
};

describe("the consensus set on a real CometBFT network", () => {
  const chains: LocalChain[] = [];
  afterAll(async () => {
    for (const c of chains) {
      await c.stop();
      c.remove();
    }
  });

  it("a validator registered after genesis with a proof of possession gets power and signs blocks; jailed for downtime, it loses its power", async () => {
    const wallet = await DirectSecp256k1HdWallet.fromMnemonic(TEST_MNEMONIC, {
      prefix: "remes",
      hdPaths: [makeCosmoshubPath(0), makeCosmoshubPath(1)],
    });
    const [, operator] = (await wallet.getAccounts()).map((a) => a.address) as [string, string];
    const p2pA = await freePort();
    const p2pB = await freePort();
    const loopbackPeers = { "p2p.addr_book_strict": "false", "p2p.allow_duplicate_ip": "true" };
    const params = { livenessWindowBlocks: 10, minSignedBps: 5000, validatorJailBlocks: 100000 };
    // A alone holds more than 2/3 of the power, so it commits without waiting for B; B's precommit
    // reaches A during A's timeout_commit and goes into the next block's last commit, for the block
    // or (when A's precommit reached B before A's prevote) for nil — both count as signed. A waits
    // 2 s after each commit and B 0.5 s, so B enters each height before A proposes. (Before nil
    // precommits counted, B was sometimes jailed for downtime while online: failed 3 of 7 runs.)
    const a = await LocalChain.create({
      blockTime: "2s",
      p2pLaddr: `tcp://127.0.0.1:${p2pA}`,
      minGasPrice: "0uremes",
      params,
      fund: new Map([[operator, 50_000n * UREMES_PER_REMES]]),
      config: loopbackPeers,
    });
    chains.push(a);
    const idA = execFileSync(
      path.join(root, ".tools/bin/cometbft"),
      ["show-node-id", "--home", a.home],
      { encoding: "utf8" },
    ).trim();
    const b = await LocalChain.create({
      blockTime: "500ms",
      p2pLaddr: `tcp://127.0.0.1:${p2pB}`,
      minGasPrice: "0uremes",
      params,
      config: {
        ...loopbackPeers,
        "p2p.persistent_peers": JSON.stringify(`${idA}@127.0.0.1:${p2pA}`),
      },
    });
    chains.push(b);
    // B joins A's chain: A's genesis, B's own consensus key (not in the genesis set).
    fs.copyFileSync(
      path.join(a.home, "config/genesis.json"),
      path.join(b.home, "config/genesis.json"),
    );
    const keyB = JSON.parse(
      fs.readFileSync(path.join(b.home, "config/priv_validator_key.json"), "utf8"),
    ) as { address: string; pub_key: { value: string }; priv_key: { value: string } };
    const secretB = Buffer.from(keyB.priv_key.value, "base64").subarray(0, 32);
    const pubB = Buffer.from(keyB.pub_key.value, "base64");

    // App and CometBFT as two processes: `node start` finds its app entry next to the bundle, which in a git worktree sharing node_modules is another checkout's.
    a.startApp();
    await a.startComet();
    await a.waitForHeight(2);
    b.startApp();
    await b.startComet();
    await b.waitForHeight(3, 90_000);
    expect((await validators(a.rpc)).map((v) => v.pub_key.value)).not.toContain(keyB.pub_key.value);

    const client = await SigningStargateClient.connectWithSigner(a.rpc, wallet, {
      registry: remesRegistry(),
    });
    const register = command("registerValidator", {
      validator: operator,
      stake: 40_000n * UREMES_PER_REMES,
      pubkey: pubB,
      popSignature: signPop(secretB, operator),
    });
    const r = await client.signAndBroadcast(operator, [encodeObject(register)], {
      amount: [],
      gas: "400000",
    });
    client.disconnect();
    expect(r.code, r.rawLog).toBe(0);

    // CometBFT applies an update two blocks after the block that returned it; then B's key holds its stake as power.
    const joined = await until("B in the validator set", async () =>
      (await validators(a.rpc)).find((v) => v.pub_key.value === keyB.pub_key.value),
    );
    expect(joined.voting_power).toBe("40000");
    expect(joined.address).toBe(keyB.address);
    const from = (await a.status())!.height;
    const signedBy = await until(
      "a commit signed by B",
      async () => {
        const top = (await a.status())!.height;
        for (let h = from; h <= top; h++)
          if ((await signersAt(a.rpc, h)).includes(keyB.address)) return h;
        return undefined;
      },
      120_000,
    ).catch(async (e: Error) => {
      throw new Error(
        `${e.message}; B at ${JSON.stringify(await b.status())}, A at ${JSON.stringify(await a.status())}; B's logs: ${b.logTail()}`,
      );
    });
    expect(signedBy).toBeGreaterThanOrEqual(from);

    // B stops: it misses more than half of a 10-block liveness window, is slashed for downtime and jailed, and leaves the set.
    await b.stop();
    await until(
      "B out of the validator set",
      async () =>
        (await validators(a.rpc)).some((v) => v.pub_key.value === keyB.pub_key.value)
          ? undefined
          : true,
      120_000,
    );
    expect((await validators(a.rpc)).map((v) => v.voting_power)).toEqual([String(10n * 10_000n)]);
  }, 420_000);
});
