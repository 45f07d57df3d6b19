/**
 * The consensus connection: the only code that changes the committed state.
 * Load (restart), InitChain, FinalizeBlock and Commit. FinalizeBlock turns
 * CometBFT's block into a BlockContext and runs the SAME `applyBlock` as the
 * simulator and MockChain; what the node adds — Cosmos txs (signatures,
 * account numbers, sequences) and fees — is checked through the mempool's
 * verified cache (mempool.ts) so a tx's signature is verified once.
 *
 * Fees: a tx's fee (uremes) goes to the fee collector module account before
 * its messages run and stays paid when they fail (machine.ts applyFeeAndTx),
 * so supply is conserved.
 *
 * Lifecycle of a block: FinalizeBlock applies it in memory (pending);
 * Commit writes it in one SQLite transaction. A second FinalizeBlock in
 * between (a restarted CometBFT replaying the block) drops the pending block
 * by reloading the committed state, so a block CometBFT replays is applied
 * exactly once. Info and queries may come in between too (RPC clients): they
 * leave the pending block alone.
 */
import { fromJson, type JsonValue } from "@bufbuild/protobuf";
import { bytesToHex } from "@noble/hashes/utils.js";
import {
  type ExecTxResult,
  MisbehaviorType,
  type Request,
  type RequestFinalizeBlock,
} from "cosmjs-types/tendermint/abci/types";
import { BlockIDFlag } from "cosmjs-types/tendermint/types/validator";
import type { Timestamp } from "cosmjs-types/google/protobuf/timestamp";
import { GenesisStateSchema } from "../gen/remes/v1/genesis_pb.ts";
import { nextAppHash, stateRoot } from "../protocol/apphash.ts";
import type { ProtocolCommand } from "../protocol/commands.ts";
import type { BlockContext, Misbehavior, ValidatorVote } from "../protocol/context.ts";
import { isBeaconTx } from "../protocol/beacon.ts";
import { isProtocolError } from "../protocol/errors.ts";
import type { ProtocolEvent } from "../protocol/events.ts";
import { initChain } from "../protocol/genesis.ts";
import { applyBlock, evolve, type TxFee } from "../protocol/machine.ts";
import { isModuleAccount, type State } from "../protocol/state.ts";
import {
  lastUpgradeDone,
  UpgradeNeededError,
  upgradeDue,
  upgradeNeeded,
} from "../protocol/upgrades.ts";
import { abciEvent, protocolAbciEvent, txAbciEvents } from "./abci-events.ts";
import { Accounts, genesisAccountsHash, nextAccountsHash, nodeAppHash } from "./accounts.ts";
import { beaconOfBlock } from "./beacon.ts";
import { type Committed, requireState } from "./committed.ts";
import { decodeEventLog, encodeEventLog } from "./event-log.ts";
import { sha256Fast } from "./hash.ts";
import { Interner } from "./intern.ts";
import type { AdmittedTx, Checked, Mempool } from "./mempool.ts";
import { decodeSnapshot, encodeSnapshot, restoredState, SNAPSHOT_FORMAT } from "./snapshot.ts";
import type { AccountRecord } from "./store.ts";
import { gasUsedOf } from "./tx.ts";
import {
  genesisMismatch,
  genesisValidators,
  validatorsByConsensusAddress,
  validatorUpdatesOf,
} from "./validator-updates.ts";

interface Pending {
  readonly height: number;
  readonly beacon: Uint8Array;
  readonly protocolHash: Uint8Array;
  readonly accountsHash: Uint8Array;
  readonly accounts: AccountRecord[];
  readonly txs: number;
  readonly finalizeMs: number;
  readonly appHash: Uint8Array;
  readonly events: Uint8Array;
}

/** A tx result's data: none (ExecTxResult.data, shared by every result). */
const NO_DATA = new Uint8Array(0);

/** What a tx pays before its messages (none for a zero fee, as the simulator's txs). */
const feeOf = (tx: AdmittedTx): TxFee | undefined =>
  tx.fee > 0n ? { payer: tx.signer, amount: tx.fee } : undefined;

const timeMsOf = (t: Timestamp | undefined): bigint =>
  t ? t.seconds * 1000n + BigInt(Math.floor(t.nanos / 1_000_000)) : 0n;

export class Consensus {
  private pending: Pending | undefined;

  constructor(
    private readonly node: Committed,
    private readonly mempool: Mempool,
  ) {}

  /** Drops a finalized but uncommitted block (CometBFT restarted and replays it): the committed state is reloaded. */
  private dropPending(): void {
    if (this.pending) this.load();
  }

  /** Rebuilds the committed state: the latest snapshot, then the event log after it (checking every app hash). */
  load(): void {
    const node = this.node;
    this.pending = undefined;
    this.mempool.clear();
    const chainId = node.store.getMetaText("chain_id");
    const snap = node.store.latestSnapshot();
    if (chainId === undefined || snap === undefined) {
      node.state = undefined;
      node.height = 0;
      node.appHash = node.protocolHash = node.accountsHash = new Uint8Array(0);
      return;
    }
    const s = decodeSnapshot(snap.bytes);
    const state = restoredState(s);
    let { protocolHash, accountsHash, appHash } = s;
    if (bytesToHex(nodeAppHash(protocolHash, accountsHash)) !== bytesToHex(appHash))
      throw new Error(
        `the snapshot of height ${snap.height} does not match its own app hash; the database is corrupt`,
      );
    let replayed = 0;
    for (const row of node.store.blocksAfter(snap.height)) {
      const events = decodeEventLog(row.events);
      for (const e of events) evolve(state, e);
      protocolHash = nextAppHash(protocolHash, events);
      if (bytesToHex(protocolHash) !== bytesToHex(row.protocolHash))
        throw new Error(
          `event log of height ${row.height} does not reproduce its stored app hash; the database is corrupt`,
        );
      accountsHash = row.accountsHash;
      appHash = nodeAppHash(protocolHash, accountsHash);
      if (bytesToHex(appHash) !== bytesToHex(row.appHash))
        throw new Error(
          `the app hash of height ${row.height} does not match its components; the database is corrupt`,
        );
      replayed++;
    }
    node.chainId = chainId;
    const interner = new Interner();
    node.state = interner.deep(state);
    node.appHash = appHash;
    node.protocolHash = protocolHash;
    node.accountsHash = accountsHash;
    node.height = state.height;
    node.accounts = new Accounts(interner.deep(node.store.accounts()));
    node.beacon.last = node.store.getMeta("beacon") ?? protocolHash;
    node.log(
      `app: loaded height ${node.height} (snapshot ${snap.height} + ${replayed} blocks of events), app hash ${bytesToHex(appHash).toUpperCase()}, version ${node.version}`,
    );
    const plan = node.state.softwareUpgrade;
    if (plan !== undefined)
      node.log(
        node.upgrades.handlerOf(plan.name) === undefined
          ? `app: upgrade ${plan.name} is scheduled at height ${plan.height} and version ${node.version} does not have it: it will halt there`
          : `app: upgrade ${plan.name} is scheduled at height ${plan.height}; version ${node.version} has its handler`,
      );
    const last = lastUpgradeDone(node.state);
    if (last !== undefined && node.upgrades.handlerOf(last.name) === undefined)
      node.log(
        `app: upgrade ${last.name} ran at height ${last.height} and version ${node.version} does not have it: it will refuse every block`,
      );
  }

  initChain(req: Request["initChain"] & object) {
    let json: JsonValue = {};
    if (req.appStateBytes.length > 0) {
      try {
        json = JSON.parse(new TextDecoder().decode(req.appStateBytes)) as JsonValue;
      } catch (e) {
        throw new Error(`genesis app_state is not JSON: ${String(e)}`);
      }
    }
    const genesis = fromJson(GenesisStateSchema, json ?? {});
    genesis.initialHeight = req.initialHeight > 0n ? req.initialHeight : 1n;
    const s = initChain(genesis);
    if (isProtocolError(s)) throw new Error(`invalid genesis app_state: ${s.message}`);
    const accounts = new Accounts();
    for (const a of genesis.accounts) accounts.ensure(a.address);
    for (const r of genesis.roles) accounts.ensure(r.address);
    accounts.takeDirty();
    const protocolHash = stateRoot(s);
    const accountsHash = genesisAccountsHash(accounts.all());
    const appHash = nodeAppHash(protocolHash, accountsHash);
    const snapshot = encodeSnapshot({
      format: SNAPSHOT_FORMAT,
      height: s.height,
      appHash,
      protocolHash,
      accountsHash,
      chainId: req.chainId,
      state: s,
      accounts: accounts.all(),
    });
    this.node.store.resetWith({ chain_id: req.chainId }, s.height, snapshot, accounts.all());
    this.load();
    this.node.log(
      `app: InitChain ${req.chainId}, initial height ${genesis.initialHeight}, genesis app hash ${bytesToHex(appHash).toUpperCase()}`,
    );
    const mismatch = genesisMismatch(s, req.validators);
    if (mismatch) throw new Error(mismatch);
    return { validators: genesisValidators(s), appHash };
  }

  blockContext(req: RequestFinalizeBlock): BlockContext {
    const byCons = validatorsByConsensusAddress(requireState(this.node));
    const who = (addr: Uint8Array) => byCons.get(bytesToHex(addr))?.address;
    const lastCommit: ValidatorVote[] = [];
    for (const v of req.decidedLastCommit?.votes ?? []) {
      const address = who(v.validator?.address ?? new Uint8Array(0));
      if (address !== undefined)
        // A precommit for nil is a vote: the validator is online (gossip can deliver a peer's precommits before its
        // prevotes, and a validator beside one holding > 2/3 then precommits nil). Only an absent vote is a miss, as
        // in the Cosmos SDK's x/slashing.
        lastCommit.push({
          address,
          signed:
            v.blockIdFlag === BlockIDFlag.BLOCK_ID_FLAG_COMMIT ||
            v.blockIdFlag === BlockIDFlag.BLOCK_ID_FLAG_NIL,
        });
    }
    const misbehavior: Misbehavior[] = [];
    for (const m of req.misbehavior) {
      const validator = who(m.validator?.address ?? new Uint8Array(0));
      if (validator === undefined) continue;
      if (
        m.type !== MisbehaviorType.DUPLICATE_VOTE &&
        m.type !== MisbehaviorType.LIGHT_CLIENT_ATTACK
      )
        continue;
      misbehavior.push({
        kind: m.type === MisbehaviorType.DUPLICATE_VOTE ? "duplicate_vote" : "light_client_attack",
        validator,
        height: Number(m.height),
      });
    }
    return {
      height: Number(req.height),
      timeMs: timeMsOf(req.time),
      blockHash: req.hash,
      ...beaconOfBlock(Number(req.height), req.txs),
      proposer: who(req.proposerAddress) ?? "",
      lastCommit,
      misbehavior,
    };
  }

  finalizeBlock(req: RequestFinalizeBlock) {
    const node = this.node;
    const started = performance.now();
    this.dropPending();
    const state = requireState(node);
    const ctx = this.blockContext(req);
    if (ctx.height !== node.height + 1)
      throw new Error(
        `FinalizeBlock for height ${ctx.height}, but the app is at height ${node.height}`,
      );
    // A software upgrade this binary does not have: refuse the block, change nothing (the app then exits: run.ts).
    const needed = upgradeNeeded(state, ctx.height, node.upgrades);
    if (needed !== undefined) {
      const halt = new UpgradeNeededError(needed.name, needed.height);
      node.log(`app: ${halt.message}`);
      throw halt;
    }
    const upgrading = upgradeDue(state, ctx.height);
    const checked: Checked[] = [];
    const applied: { index: number; tx: AdmittedTx }[] = [];
    const seqs = new Map<string, bigint>();
    const beaconTx = isBeaconTx(req.txs[0]);
    const lookup = (a: string) => seqs.get(a);
    for (let i = beaconTx ? 1 : 0; i < req.txs.length; i++) {
      const c = this.mempool.authenticate(req.txs[i]!, lookup);
      checked.push(c);
      if (!c.ok) continue;
      seqs.set(c.tx.signer, c.tx.sequence + 1n);
      node.accounts.bump(c.tx.signer, c.tx.pubkey);
      applied.push({ index: checked.length - 1, tx: c.tx });
    }
    // A block's txs are done with: their sequences are used (a replay fails the sequence check, uncached).
    for (let i = 0; i < checked.length; i++) {
      const tx = checked[i]!.tx;
      if (tx) this.mempool.forget(tx);
    }
    // The block's events hash is sha256 of exactly the bytes the event log stores (apphash.ts): encode them once, hash them with OpenSSL.
    let eventLog: Uint8Array = new Uint8Array(0);
    const eventsHash = (events: readonly ProtocolEvent[]) =>
      sha256Fast((eventLog = encodeEventLog(events)));
    const result = applyBlock(
      state,
      ctx,
      applied.map((a) => a.tx.msgs as readonly ProtocolCommand[]),
      node.protocolHash,
      eventsHash,
      applied.map((a) => feeOf(a.tx)),
      node.upgrades,
    );
    node.state = result.state;
    if (upgrading !== undefined)
      node.log(
        `app: upgrade ${upgrading.name} applied at height ${ctx.height} by version ${node.version}`,
      );
    // Refused txs' results here; applied ones' below, from their protocol results. No data in any (one empty array
    // for all: the encoder only reads it).
    const txResults: ExecTxResult[] = new Array<ExecTxResult>(checked.length);
    checked.forEach((c, i) => {
      if (!c.ok)
        txResults[i] = {
          code: c.err.code,
          codespace: c.err.codespace,
          log: c.err.log,
          info: "",
          data: NO_DATA,
          gasWanted: c.tx?.gasLimit ?? 0n,
          gasUsed: c.tx ? gasUsedOf(c.tx.size, c.tx.msgs.length) : 0n,
          events: [],
        };
    });
    const txEvents = new Set<ProtocolEvent>();
    applied.forEach(({ index, tx }, i) => {
      const r = result.txResults[i]!;
      for (let j = 0; j < r.events.length; j++) txEvents.add(r.events[j]!);
      txResults[index] = {
        code: r.code,
        codespace: r.code === 0 ? "" : "remes",
        log: r.log,
        info: "",
        data: NO_DATA,
        gasWanted: tx.gasLimit,
        gasUsed: gasUsedOf(tx.size, tx.msgs.length),
        events: txAbciEvents(tx, r.events),
      };
    });
    if (beaconTx)
      txResults.unshift({
        code: 0,
        codespace: "",
        log: "beacon",
        info: "",
        data: NO_DATA,
        gasWanted: 0n,
        gasUsed: 0n,
        events: [],
      });
    // Transfer recipients get account numbers now, so they can sign next.
    for (const e of result.events)
      if (e.case === "transferred" && !isModuleAccount(e.value.to))
        node.accounts.ensure(e.value.to);
      else if (e.case === "softwareUpgradeScheduled")
        node.log(
          `app: upgrade ${e.value.name} scheduled at height ${e.value.height} by a passed proposal; version ${node.version} ${node.upgrades.handlerOf(e.value.name) === undefined ? "does not have it: install the version that has it before then" : "has its handler"}`,
        );
    const accounts = node.accounts.takeDirty();
    const accountsHash = nextAccountsHash(node.accountsHash, accounts);
    const appHash = nodeAppHash(result.appHash, accountsHash);
    node.metrics?.finalizeBlock(txResults, result.events, (performance.now() - started) / 1000);
    this.pending = {
      height: ctx.height,
      beacon: ctx.beacon,
      txs: req.txs.length,
      appHash,
      protocolHash: result.appHash,
      accountsHash,
      accounts,
      events: eventLog,
      finalizeMs: performance.now() - started,
    };
    return {
      events: [
        abciEvent("remes.block", { height: String(ctx.height) }),
        ...result.events.filter((e) => !txEvents.has(e)).map(protocolAbciEvent),
      ],
      txResults,
      validatorUpdates: validatorUpdatesOf(result.events),
      appHash,
    };
  }

  /** Whether the Commit of this height writes a state snapshot. */
  snapshotDue(height: number): boolean {
    return height % this.node.snapshotInterval === 0;
  }

  commit() {
    const node = this.node;
    const p = this.pending;
    if (!p) throw new Error("Commit without a finalized block");
    const started = performance.now();
    const snapshot = this.snapshotDue(p.height)
      ? encodeSnapshot({
          format: SNAPSHOT_FORMAT,
          height: p.height,
          appHash: p.appHash,
          protocolHash: p.protocolHash,
          accountsHash: p.accountsHash,
          chainId: node.chainId,
          state: node.state!,
          accounts: node.accounts.all(),
          beacon: p.beacon,
        })
      : undefined;
    node.store.commit({
      block: {
        height: p.height,
        appHash: p.appHash,
        protocolHash: p.protocolHash,
        accountsHash: p.accountsHash,
        events: p.events,
      },
      accounts: p.accounts,
      snapshot,
      keepSnapshots: node.keepSnapshots,
      meta: { beacon: p.beacon },
    });
    node.beacon.last = p.beacon;
    this.pending = undefined;
    node.height = p.height;
    node.appHash = p.appHash;
    node.protocolHash = p.protocolHash;
    node.accountsHash = p.accountsHash;
    this.mempool.committed();
    if (p.txs > 0 || snapshot)
      node.log(
        `app: height ${p.height}: ${p.txs} txs, FinalizeBlock ${p.finalizeMs.toFixed(0)} ms, Commit ${(performance.now() - started).toFixed(0)} ms${snapshot ? ` (with a ${(snapshot.length / 2 ** 20).toFixed(1)} MB snapshot)` : ""}`,
      );
    return { retainHeight: 0n };
  }
}
