/**
 * The fuzzers' regression corpus: every input a fuzzer found
 * (test/fuzz/corpus/*.json) is replayed through its target's oracles. It
 * must now pass, or show a defect class still listed as known
 * (src/fuzz/finding.ts) — once a class's fix lands and its line goes, its
 * fixtures must pass. And each target runs a few hundred fresh inputs of a
 * fixed seed without a violation.
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { expectedDefects } from "../../src/fuzz/finding.ts";
import { fromJsonValue } from "../../src/fuzz/json.ts";
import { judge, runTarget } from "../../src/fuzz/runner.ts";
import { targetNamed, targets } from "../../src/fuzz/targets.ts";
import { RemesApp } from "../../src/node/app.ts";
import { NodeBeacon } from "../../src/node/beacon.ts";
import { decodeTx, TxError } from "../../src/node/tx.ts";

const dir = new URL("./corpus/", import.meta.url);
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith(".json"))
  .sort();

describe("fuzz corpus", () => {
  it("holds fixtures of every target that found something", () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(10);
  });

  it.each(fixtures)("%s replays clean or as a known defect", async (file) => {
    const fx = JSON.parse(readFileSync(new URL(file, dir), "utf8")) as {
      target: string;
      defect: string;
      input: unknown;
    };
    const target = targetNamed(fx.target);
    expect(target, `target ${fx.target}`).toBeDefined();
    const f = await judge(target!, fromJsonValue(fx.input) as never);
    if (f !== undefined) {
      expect(expectedDefects().has(f.defect), `${f.defect}: ${f.message}`).toBe(true);
      // A known defect must still show as the class it was filed under.
      expect(f.defect).toBe(fx.defect);
    }
  });
});

describe("fuzz targets, briefly", () => {
  it.each(targets.map((t) => t.name))("%s: 300 inputs of seed 18, no violation", async (name) => {
    const r = await runTarget(targetNamed(name)!, { seed: 18, runs: 300 });
    expect(r.violation, JSON.stringify(r.violation)).toBeUndefined();
    expect(r.runs).toBe(300);
  });
});

describe("the chain target's oracles", () => {
  it("catch a CheckTx that changes what the next block sees (a sequence used by the mempool's check)", async () => {
    const original = RemesApp.prototype.checkTx;
    RemesApp.prototype.checkTx = function (this: RemesApp, bytes, type) {
      const r = original.call(this, bytes, type);
      const tx = decodeTx(bytes);
      if (r.code === 0 && !(tx instanceof TxError)) this.accounts.bump(tx.signer, tx.pubkey);
      return r;
    };
    try {
      const r = await runTarget(targetNamed("chain")!, { seed: 1, runs: 300 });
      expect(r.violation?.defect).toBe("chain.code-fork");
    } finally {
      RemesApp.prototype.checkTx = original;
    }
  });

  it("catch an ABCI Info that drops the block awaiting its Commit (what once let any RPC client stop a node)", async () => {
    const original = RemesApp.prototype.info;
    RemesApp.prototype.info = function (this: RemesApp) {
      (this.consensus as unknown as { dropPending(): void }).dropPending();
      return original.call(this);
    };
    try {
      const r = await runTarget(targetNamed("chain")!, { seed: 1, runs: 300 });
      expect(r.violation?.message).toMatch(/Commit without a finalized block/);
    } finally {
      RemesApp.prototype.info = original;
    }
  });

  it("catch a PrepareProposal past CometBFT's data limit (on which CometBFT panics and the node halts)", async () => {
    const original = NodeBeacon.prototype.prepare;
    // The beacon tx always first, whatever room is left: what the app did before it counted the beacon tx's size.
    NodeBeacon.prototype.prepare = function (this: NodeBeacon, height, max, pick) {
      const out = original.call(this, height, 1n << 40n, () => []);
      return [...out, ...pick(max)];
    };
    try {
      const r = await runTarget(targetNamed("chain")!, { seed: 1, runs: 300 });
      expect(r.violation?.defect).toBe("chain.proposal-oversize");
    } finally {
      NodeBeacon.prototype.prepare = original;
    }
  });
});
