/**
 * A software upgrade across a 4-validator local testnet of real processes
 * (app + CometBFT per validator, no daemons): a proposal for upgrade "v2"
 * at height H (short voting period from genesis params), all validators
 * vote yes with `r3mes gov`'s code path; every node halts before H with the
 * one log line and its app exits; restarted, three nodes as the new version
 * (the R3MES_TEST_UPGRADE=v2 test hook) run the upgrade at H and go on while
 * the fourth, as the old version, refuses H again with the same line
 * (CometBFT's handshake replays H to it); restarted as the new version it
 * catches up, every node agrees on every app hash around H, and the app hash
 * the old version had before H is the one the chain keeps.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { create } from "@bufbuild/protobuf";
import { Option } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { proposalIdOf } from "../../src/cli/commands/gov.ts";
import { broadcastTx } from "../../src/cli/commands/tx.ts";
import { ProposalContentSchema, VoteOption } from "../../src/gen/remes/v1/types_pb.ts";
import { TEST_UPGRADE_ENV } from "../../src/node/upgrades.ts";
import { RELEASE_VERSION } from "../../src/node/version.ts";
import { command } from "../../src/protocol/commands.ts";
import { UREMES_PER_REMES } from "../../src/protocol/params.ts";
import { upgradeNeededLine } from "../../src/protocol/upgrades.ts";
import { down } from "../../src/testnet/down.ts";
import { alive, stopPid } from "../../src/testnet/procs.ts";
import {
  keyringDirOf,
  passphraseFileOf,
  rpcUrl,
  type NodeEntry,
  type TestnetState,
  writeState,
} from "../../src/testnet/state.ts";
import { createTestnet, height, startNodeProcs, waitForHeight } from "../../src/testnet/up.ts";
import { ensureCometbft } from "../node/harness.ts";
import { keepLogs, logTailsOnFailure, waitFor as waitForIt } from "./helpers.ts";

const NAME = "v2";
const VOTING_BLOCKS = 12;

describe("a software upgrade on a 4-validator testnet", () => {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "r3mes-upgrade-")), "net");
  logTailsOnFailure(dir);
  let s: TestnetState;
  const waitFor = (what: string, ok: () => Promise<boolean> | boolean, timeoutMs: number) =>
    waitForIt(dir, what, ok, timeoutMs);
  const appLog = (n: NodeEntry) => {
    const f = path.join(n.home, "logs", "app.log");
    return fs.existsSync(f) ? fs.readFileSync(f, "utf8") : "";
  };
  const count = (text: string, needle: string) => text.split(needle).length - 1;
  const appHashesAt = async (h: number) =>
    Promise.all(
      s.nodes.map(async (n) => {
        const r = (await (await fetch(`${rpcUrl(n)}/block?height=${h}`)).json()) as {
          result: { block: { header: { app_hash: string } } };
        };
        return r.result.block.header.app_hash;
      }),
    );
  /** Starts the app and CometBFT of a node, as the old version or (hook set) the new one. */
  const start = async (n: NodeEntry, newVersion: boolean) => {
    // startNodeProcs spawns the app before its first await: the app alone sees the hook.
    if (newVersion) process.env[TEST_UPGRADE_ENV] = NAME;
    const started = startNodeProcs(s, n);
    delete process.env[TEST_UPGRADE_ENV];
    await started;
  };
  const stopNode = async (n: NodeEntry) => {
    await stopPid(n.cometPid);
    await stopPid(n.appPid);
  };

  beforeAll(async () => {
    ensureCometbft();
    s = await createTestnet({
      dir,
      validators: 4,
      miners: 0,
      proposers: 0,
      lazy: 0,
      blockTimeMs: 300,
      trainMs: 800,
      kubo: false,
      network: "loopback",
      params: { votingBlocksSoftwareUpgrade: VOTING_BLOCKS },
      say: () => {},
    });
    await Promise.all(s.nodes.map((n) => start(n, false)));
    writeState(s);
    await waitForHeight(s.nodes.map(rpcUrl), 2, 120_000);
  });
  afterAll(async () => {
    keepLogs(dir);
    for (const n of s?.nodes ?? []) await stopNode(n);
    if (s) await down(dir, { keep: false });
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  });

  it("halts every node at the upgrade height with one line, the old version refuses again, and the new version goes on with the same app hashes on every node", async () => {
    const t0 = Date.now();
    const rpc = rpcUrl(s.nodes[0]!);
    const signer = (from: string) => ({
      rpc,
      from,
      keyringDir: Option.some(keyringDirOf(dir)),
      passphraseFile: Option.some(passphraseFileOf(dir)),
    });
    const now = (await height(rpc))!;
    const upgradeHeight = now + VOTING_BLOCKS + 14;
    const submitted = await broadcastTx(signer("val0"), "proposal", (proposer) =>
      command("submitProposal", {
        proposer,
        content: create(ProposalContentSchema, {
          title: `software upgrade ${NAME}`,
          kind: {
            case: "softwareUpgrade",
            value: { name: NAME, height: BigInt(upgradeHeight), info: "the test hook" },
          },
        }),
        deposit: 1_000n * UREMES_PER_REMES,
      }),
    );
    const id = Number(proposalIdOf(submitted.events));
    const votes = await Promise.all(
      s.nodes.map((n) =>
        broadcastTx(signer(n.operator), "vote", (voter) =>
          command("vote", { voter, proposalId: id, option: VoteOption.YES }),
        ),
      ),
    );
    const votedAt = Math.max(...votes.map((v) => v.height));
    expect(votedAt).toBeLessThan(submitted.height + VOTING_BLOCKS);
    console.log(
      `upgrade: proposal ${id} at height ${submitted.height}, 4 votes by ${votedAt}, upgrade at ${upgradeHeight} (${Date.now() - t0} ms)`,
    );

    // Every node halts before H: its app logs the line, answers CometBFT with an exception and exits.
    const line = upgradeNeededLine(NAME, upgradeHeight);
    await waitFor(
      "every app to halt at the upgrade height",
      () => s.nodes.every((n) => !alive(n.appPid) && appLog(n).includes(line)),
      90_000,
    );
    const haltedMs = Date.now() - t0;
    for (const n of s.nodes) {
      expect(appLog(n)).toContain(`app: stopping (${line})`);
      expect(fs.readFileSync(path.join(dir, "logs", `${n.name}-app.out`), "utf8")).toContain(line);
      await stopPid(n.cometPid); // CometBFT stops itself on the app's exception; make sure
      expect(appLog(n)).not.toContain(`app: upgrade ${NAME} applied`);
    }

    // Three nodes restart as the new version, one (val0) as the old: the three run the upgrade at H and go on,
    // the old one refuses H again with the same line (CometBFT replays H to it from its block store).
    const [old, ...upgraded] = s.nodes as [NodeEntry, ...NodeEntry[]];
    await Promise.all([start(old, false), ...upgraded.map((n) => start(n, true))]);
    writeState(s);
    await waitForHeight(upgraded.map(rpcUrl), upgradeHeight + 3, 90_000);
    await waitFor(
      "the restarted old version to refuse the upgrade again",
      () => !alive(old.appPid) && count(appLog(old), `app: ${line}`) === 2,
      60_000,
    );
    const oldLog = appLog(old);
    expect(oldLog).toContain(
      `upgrade ${NAME} is scheduled at height ${upgradeHeight} and version ${RELEASE_VERSION} does not have it: it will halt there`,
    );
    expect(oldLog).not.toContain(`app: upgrade ${NAME} applied`);
    const loaded = [
      ...oldLog.matchAll(
        new RegExp(`loaded height ${upgradeHeight - 1} .*app hash ([0-9A-F]{64})`, "g"),
      ),
    ].map((m) => m[1]!);
    expect(loaded.length).toBeGreaterThan(0);
    await stopNode(old);

    // Then the old node as the new version too: it catches up through the upgrade.
    await start(old, true);
    writeState(s);
    await waitForHeight(s.nodes.map(rpcUrl), upgradeHeight + 5, 90_000);
    for (const n of s.nodes) {
      const log = appLog(n);
      expect(log).toContain(
        `app: upgrade ${NAME} applied at height ${upgradeHeight} by version ${RELEASE_VERSION}+${NAME}`,
      );
      const info = (await (await fetch(`${rpcUrl(n)}/abci_info`)).json()) as {
        result: { response: { version: string } };
      };
      expect(info.result.response.version).toBe(`${RELEASE_VERSION}+${NAME}`);
    }
    // Every node agrees on every app hash around the upgrade, and the pre-upgrade one is the old version's.
    for (let h = upgradeHeight - 2; h <= upgradeHeight + 5; h++) {
      const hashes = await appHashesAt(h);
      expect(new Set(hashes).size, `app hashes in the header of block ${h}: ${hashes}`).toBe(1);
    }
    expect((await appHashesAt(upgradeHeight))[0]).toBe(loaded.at(-1));
    // The upgrade's block records it (an ABCI event of FinalizeBlock).
    const results = (await (
      await fetch(`${rpc}/block_results?height=${upgradeHeight}`)
    ).json()) as { result: { finalize_block_events: { type: string }[] } };
    expect(results.result.finalize_block_events.map((e) => e.type)).toContain(
      "remes.softwareUpgradeApplied",
    );
    console.log(
      JSON.stringify({
        upgrade: NAME,
        height: upgradeHeight,
        haltedAllMs: haltedMs,
        totalMs: Date.now() - t0,
        nodes: s.nodes.length,
      }),
    );
  });
});
