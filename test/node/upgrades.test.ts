/**
 * Software upgrades in the node (src/node/upgrades.ts, version.ts): the
 * handler registry and its test hook, and the app driven block by block as
 * CometBFT would — the old version refuses the upgrade's block and changes
 * nothing, again after a restart; the new version, opened on the same
 * database, runs the upgrade and agrees with a node that had it all along.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { create } from "@bufbuild/protobuf";
import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { afterAll, describe, expect, it } from "vitest";
import { ParamsSchema } from "../../src/gen/remes/v1/params_pb.ts";
import { ProposalContentSchema, Role, VoteOption } from "../../src/gen/remes/v1/types_pb.ts";
import { RemesApp } from "../../src/node/app.ts";
import { NodeMetrics } from "../../src/node/metrics.ts";
import { restHandler } from "../../src/node/rest.ts";
import { appRpc } from "../../src/node/rest-rpc.ts";
import { signTx, txKeyOf } from "../../src/node/sign.ts";
import { TestNode } from "../../src/node/testing/test-node.ts";
import {
  RELEASE_UPGRADES,
  TEST_UPGRADE_ENV,
  testUpgradeOf,
  upgradeRegistry,
  nodeUpgrades,
} from "../../src/node/upgrades.ts";
import { nodeVersion, RELEASE_VERSION } from "../../src/node/version.ts";
import { command } from "../../src/protocol/commands.ts";
import { defaultParams } from "../../src/protocol/params.ts";
import {
  EMPTY_MIGRATION,
  NO_UPGRADES,
  upgradeHandlers,
  UpgradeNeededError,
  upgradeNeededLine,
} from "../../src/protocol/upgrades.ts";
import pkg from "../../package.json" with { type: "json" };

describe("the upgrade registry and the version", () => {
  it("the release's version is package.json's; the test hook adds NAME's empty migration and +NAME to the version", () => {
    expect(RELEASE_VERSION).toBe(pkg.version);
    expect(nodeVersion({})).toBe(RELEASE_VERSION);
    expect(upgradeRegistry({})).toBe(RELEASE_UPGRADES);
    expect(nodeUpgrades({}).handlerOf("v2")).toBeUndefined();
    const env = { [TEST_UPGRADE_ENV]: "v2" };
    expect(testUpgradeOf(env)).toBe("v2");
    expect(nodeVersion(env)).toBe(`${RELEASE_VERSION}+v2`);
    expect(upgradeRegistry(env).get("v2")).toBe(EMPTY_MIGRATION);
    expect(nodeUpgrades(env).handlerOf("v2")).toBe(EMPTY_MIGRATION);
    expect(nodeUpgrades(env).handlerOf("v3")).toBeUndefined();
    // A release's own handler wins over the hook's empty one; an empty value is no hook.
    const mine = () => {};
    expect(upgradeRegistry(env, new Map([["v2", mine]])).get("v2")).toBe(mine);
    expect(testUpgradeOf({ [TEST_UPGRADE_ENV]: "" })).toBeUndefined();
    expect(() => testUpgradeOf({ [TEST_UPGRADE_ENV]: "x".repeat(65) })).toThrow(/1\.\.64/);
    expect(() => testUpgradeOf({ [TEST_UPGRADE_ENV]: "v2 now" })).toThrow(/letters, digits/);
  });
});

const secret = (label: string) => sha256(new TextEncoder().encode(`upgrades/${label}`));
const ALICE = txKeyOf(secret("alice"));
const OPERATOR = txKeyOf(secret("operator"));
const CHAIN = "upgrade-test";
const UPGRADE_HEIGHT = 8;
const genesis = {
  params: create(ParamsSchema, { ...defaultParams(), votingBlocksSoftwareUpgrade: 3 }),
  accounts: [{ address: ALICE.address, balance: 10_000_000_000n }],
  roles: [
    {
      address: OPERATOR.address,
      role: Role.VALIDATOR,
      stake: defaultParams().minValidatorStake,
      pubkey: ed25519.getPublicKey(secret("validator")),
    },
  ],
};

/** Heights 1..UPGRADE_HEIGHT-1: the proposal (1), the vote (2), the tally (4), empty blocks. */
const toTheEve = (node: TestNode) => {
  const proposal = signTx(
    ALICE,
    [
      command("submitProposal", {
        proposer: ALICE.address,
        content: create(ProposalContentSchema, {
          title: "v2",
          kind: {
            case: "softwareUpgrade",
            value: { name: "v2", height: BigInt(UPGRADE_HEIGHT), info: "" },
          },
        }),
        deposit: defaultParams().depositSoftwareUpgrade,
      }),
    ],
    { chainId: CHAIN, accountNumber: 0n, sequence: 0n },
  );
  expect(
    node
      .block()
      .txs(proposal)
      .execute()
      .txResults.map((t) => t.log),
  ).toEqual([""]);
  const vote = signTx(
    OPERATOR,
    [command("vote", { voter: OPERATOR.address, proposalId: 0, option: VoteOption.YES })],
    { chainId: CHAIN, accountNumber: 1n, sequence: 0n },
  );
  expect(
    node
      .block()
      .txs(vote)
      .execute()
      .txResults.map((t) => t.log),
  ).toEqual([""]);
  node.blocks(UPGRADE_HEIGHT - 1 - node.height);
  expect(node.app.state!.softwareUpgrade?.name).toBe("v2");
};

describe("a node at a software upgrade", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "r3mes-upgrade-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("the old version refuses the upgrade's block (one log line, nothing changed, again after a restart); the new version on the same database runs it and agrees with a node that had it from the start", async () => {
    const dbPath = path.join(dir, "app.db");
    const lines: string[] = [];
    const log = (l: string) => lines.push(l);
    const v2 = upgradeHandlers(new Map([["v2", EMPTY_MIGRATION]]));
    const metrics = new NodeMetrics({ defaultMetrics: false });
    const old = TestNode.init({
      genesis,
      chainId: CHAIN,
      dbPath,
      log,
      upgrades: NO_UPGRADES,
      metrics,
    });
    const gauges = async () =>
      (await metrics.text())
        .split("\n")
        .filter((l) => l.startsWith("r3mes_upgrade_plan_"))
        .sort();
    expect(await gauges()).toEqual(["r3mes_upgrade_plan_height 0", "r3mes_upgrade_plan_missing 0"]);
    toTheEve(old);
    expect(await gauges()).toEqual(["r3mes_upgrade_plan_height 8", "r3mes_upgrade_plan_missing 1"]);
    expect(lines).toContain(
      "app: upgrade v2 scheduled at height 8 by a passed proposal; version " +
        `${RELEASE_VERSION} does not have it: install the version that has it before then`,
    );
    // x/upgrade's REST answers (the gateway over the app's queries): the plan, and nothing applied yet.
    const rest = restHandler(appRpc(old.app.handle));
    const get = (path: string) => rest({ method: "GET", path, query: new URLSearchParams() });
    expect(await get("/cosmos/upgrade/v1beta1/current_plan")).toEqual({
      status: 200,
      body: {
        plan: {
          name: "v2",
          time: "0001-01-01T00:00:00Z",
          height: "8",
          info: "",
          upgraded_client_state: null,
        },
      },
    });
    expect(await get("/cosmos/upgrade/v1beta1/applied_plan/v2")).toEqual({
      status: 200,
      body: { height: "0" },
    });
    const eve = bytesToHex(old.app.appHash);
    expect(() => old.block().finalize()).toThrow(UpgradeNeededError);
    expect(lines).toContain(`app: ${upgradeNeededLine("v2", UPGRADE_HEIGHT)}`);
    expect(old.height).toBe(UPGRADE_HEIGHT - 1);
    expect(bytesToHex(old.app.appHash)).toBe(eve);
    expect(old.app.info().lastBlockHeight).toBe(BigInt(UPGRADE_HEIGHT - 1));
    old.close();

    // Restarted, the old version says so at load and refuses again.
    lines.length = 0;
    const again = TestNode.of(new RemesApp({ dbPath, log, upgrades: NO_UPGRADES }));
    expect(lines.some((l) => l.includes("upgrade v2 is scheduled at height 8"))).toBe(true);
    expect(() => again.block().finalize()).toThrow(upgradeNeededLine("v2", UPGRADE_HEIGHT));
    again.close();

    // The new version continues from the halted state.
    lines.length = 0;
    const upgraded = TestNode.of(
      new RemesApp({ dbPath, log, upgrades: v2, version: `${RELEASE_VERSION}+v2` }),
    );
    expect(upgraded.app.info().version).toBe(`${RELEASE_VERSION}+v2`);
    upgraded.blocks(3);
    expect(lines).toContain(
      `app: upgrade v2 applied at height ${UPGRADE_HEIGHT} by version ${RELEASE_VERSION}+v2`,
    );
    expect(upgraded.app.state!.upgradesDone.get("v2")).toBe(UPGRADE_HEIGHT);
    expect(upgraded.app.state!.softwareUpgrade).toBeUndefined();
    const restNew = restHandler(appRpc(upgraded.app.handle));
    const getNew = (path: string) => restNew({ method: "GET", path, query: new URLSearchParams() });
    expect((await getNew("/cosmos/upgrade/v1beta1/current_plan")).body).toEqual({ plan: null });
    expect((await getNew("/cosmos/upgrade/v1beta1/applied_plan/v2")).body).toEqual({
      height: "8",
    });

    // A node that had the handler all along (never halted) has the same app hash.
    const always = TestNode.init({ genesis, chainId: CHAIN, upgrades: v2, snapshotInterval: 10 });
    toTheEve(always);
    always.blocks(3);
    expect(bytesToHex(always.app.appHash)).toBe(bytesToHex(upgraded.app.appHash));
    // State sync from a snapshot after H restores the record of the upgrade; the old version then refuses to go on.
    const snapshot = always.app.listSnapshots().at(-1)!;
    expect(Number(snapshot.height)).toBe(UPGRADE_HEIGHT + 2);
    expect(always.height).toBe(UPGRADE_HEIGHT + 2);
    const snapshotAppHash = always.app.appHash;
    const top = Number(snapshot.height);
    const syncAs = (upgrades: typeof v2) => {
      const synced = new RemesApp({ dbPath: ":memory:", upgrades });
      expect(synced.offerSnapshot(snapshot, snapshotAppHash)).toBe(1); // ACCEPT
      for (let i = 0; i < snapshot.chunks; i++)
        synced.applySnapshotChunk(i, always.app.loadSnapshotChunk(top, i));
      return TestNode.of(synced);
    };
    const synced = syncAs(v2);
    expect(synced.app.state!.upgradesDone).toEqual(new Map([["v2", UPGRADE_HEIGHT]]));
    synced.blocks(1);
    always.blocks(1);
    expect(bytesToHex(synced.app.appHash)).toBe(bytesToHex(always.app.appHash));
    synced.close();
    const syncedOld = syncAs(NO_UPGRADES);
    expect(() => syncedOld.block().finalize()).toThrow(upgradeNeededLine("v2", UPGRADE_HEIGHT));
    syncedOld.close();
    always.close();
    upgraded.close();

    // The old version restarted on the upgraded chain refuses to go on; the new one replays it and goes on.
    lines.length = 0;
    const stale = TestNode.of(new RemesApp({ dbPath, log, upgrades: NO_UPGRADES }));
    expect(lines.some((l) => l.includes("upgrade v2 ran at height 8"))).toBe(true);
    expect(() => stale.block().finalize()).toThrow(upgradeNeededLine("v2", UPGRADE_HEIGHT));
    stale.close();
    const reopened = TestNode.of(new RemesApp({ dbPath, upgrades: v2 }));
    reopened.blocks(1);
    expect(reopened.height).toBe(UPGRADE_HEIGHT + 3);
    reopened.close();
  });
});
