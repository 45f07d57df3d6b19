/**
 * The ABCI 2.0 application: a thin shell around src/protocol. FinalizeBlock
 * turns CometBFT's block into a BlockContext and runs the SAME `applyBlock`
 * as the simulator and MockChain; the node adds only what the protocol does
 * not have — Cosmos txs (signatures, account numbers, sequences), queries,
 * persistence, and fees. The app hash has two components: the protocol's
 * (apphash.ts — exactly the simulator's app hash) and the accounts'
 * (numbers, sequences, keys: accounts.ts); CometBFT sees
 * sha256(protocol ‖ accounts).
 *
 * Fees: a tx's fee (uremes) goes to the fee collector module account before
 * its messages run and stays paid when they fail (machine.ts applyFeeAndTx),
 * so supply is conserved. A node's minimum gas price (HOME/config/app.toml,
 * like the Cosmos SDK's minimum-gas-prices) is a mempool policy checked in
 * CheckTx only, not consensus: a tx paying less is refused with code 13
 * (insufficient fee).
 *
 * Lifecycle of a block: FinalizeBlock applies it in memory (pending);
 * Commit writes it in one SQLite transaction. If anything else arrives in
 * between (a restarted CometBFT's Info, a second FinalizeBlock), the pending
 * block is dropped by reloading the committed state, so a block CometBFT
 * replays is applied exactly once.
 */
import { fromJson, type JsonValue } from "@bufbuild/protobuf";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import {
  CheckTxType,
  MisbehaviorType,
  type Request,
  type Response,
  ResponseApplySnapshotChunk_Result,
  ResponseOfferSnapshot_Result,
  ResponseProcessProposal_ProposalStatus,
  ResponseVerifyVoteExtension_VerifyStatus,
  type ExecTxResult,
  type RequestFinalizeBlock,
  type Snapshot,
} from "cosmjs-types/tendermint/abci/types";
import { BlockIDFlag } from "cosmjs-types/tendermint/types/validator";
import type { Timestamp } from "cosmjs-types/google/protobuf/timestamp";
import { GenesisStateSchema } from "../gen/remes/v1/genesis_pb.ts";
import { Role } from "../gen/remes/v1/types_pb.ts";
import { nextAppHash, stateRoot } from "../protocol/apphash.ts";
import { decodeEvent, DecodeError, encodeEvent } from "../protocol/codec.ts";
import type { ProtocolCommand } from "../protocol/commands.ts";
import type { BlockContext, Misbehavior, ValidatorVote } from "../protocol/context.ts";
import { isBeaconTx } from "../protocol/beacon.ts";
import { beaconOfBlock, NodeBeacon } from "./beacon.ts";
import { isProtocolError } from "../protocol/errors.ts";
import type { ProtocolEvent } from "../protocol/events.ts";
import { initChain } from "../protocol/genesis.ts";
import { applyBlock, decide, dryRunTx, evolve, payFee, type TxFee } from "../protocol/machine.ts";
import type { State } from "../protocol/state.ts";
import { abciEvent, protocolAbciEvent, txAbciEvents } from "./abci-events.ts";
import { Accounts, genesisAccountsHash, nextAccountsHash, nodeAppHash } from "./accounts.ts";
import { concat, FrameReader, frame } from "./framing.ts";
import { hexOf, sha256Fast } from "./hash.ts";
import { answerQuery } from "./query.ts";
import type { AbciHandler, RequestCase } from "./server.ts";
import { chunkCount, chunkOf, decodeSnapshot, encodeSnapshot, SNAPSHOT_FORMAT, snapshotHash } from "./snapshot.ts";
import { type AccountRecord, NodeStore } from "./store.ts";
import { genesisMismatch, genesisValidators, validatorUpdatesOf } from "./validator-updates.ts";
import { Interner } from "./intern.ts";
import { type DecodedTx, decodeTx, DEFAULT_MAX_TX_BYTES, type GasPrice, gasUsedOf, requiredFee, SdkCode, TxError, verifySignature, withSignerString, ZERO_GAS_PRICE } from "./tx.ts";

export const APP_VERSION = 1n;

export interface AppOptions {
  /** SQLite file (":memory:" for tests that need no durability). */
  readonly dbPath: string;
  /** A state snapshot every this many blocks (restart and state sync start from the latest). */
  readonly snapshotInterval?: number;
  readonly keepSnapshots?: number;
  readonly maxTxBytes?: number;
  /** Minimum fee per gas unit a tx must pay to enter this node's mempool (CheckTx); zero by default. */
  readonly minGasPrice?: GasPrice;
  readonly log?: (line: string) => void;
  /** This node's ed25519 consensus secret key (32-byte seed): it proves the beacon of the blocks it proposes (beacon.ts). */
  readonly beaconKey?: Uint8Array;
}

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

/** A decoded tx plus the outcome of its checks. */
type Checked = { readonly ok: true; readonly tx: DecodedTx } | { readonly ok: false; readonly err: TxError; readonly tx?: DecodedTx };

/** Above CometBFT's mempool size (5,000 by default; raise both together). */
const VERIFIED_CACHE_MAX = 100_000;

/** What a tx pays before its messages (none for a zero fee, as the simulator's txs). */
const feeOf = (tx: DecodedTx): TxFee | undefined => (tx.fee > 0n ? { payer: tx.signer, amount: tx.fee } : undefined);

const timeMsOf = (t: Timestamp | undefined): bigint => (t ? t.seconds * 1000n + BigInt(Math.floor(t.nanos / 1_000_000)) : 0n);

const encodeEventLog = (events: readonly ProtocolEvent[]): Uint8Array => concat(events.map((e) => frame(encodeEvent(e))));

export const decodeEventLog = (bytes: Uint8Array): ProtocolEvent[] => {
  const reader = new FrameReader(bytes.length + 16);
  const out: ProtocolEvent[] = [];
  for (const f of reader.push(bytes)) {
    const e = decodeEvent(f);
    if (e instanceof DecodeError) throw new Error(`corrupt event log: ${e.message}`);
    out.push(e);
  }
  if (reader.pending !== 0) throw new Error("corrupt event log: truncated frame");
  return out;
};

export class RemesApp {
  readonly store: NodeStore;
  state: State | undefined;
  /** App hash (CometBFT's) and height of the last committed block (or of genesis). */
  appHash: Uint8Array = new Uint8Array(0);
  readonly beacon: NodeBeacon;
  /** The app hash's components: the protocol's (the simulator's app hash) and the accounts'. */
  protocolHash: Uint8Array = new Uint8Array(0);
  accountsHash: Uint8Array = new Uint8Array(0);
  height = 0;
  chainId = "";
  accounts = new Accounts();
  private pending: Pending | undefined;
  /** Since the last Commit, per signer: the next sequence the mempool expects, and what its admitted txs spend. */
  private readonly checkSequences = new Map<string, bigint>();
  private readonly pendingSpend = new Map<string, bigint>();
  /** Txs whose signature checked out, by hash (hex), until a block holds them. */
  private readonly verified = new Map<string, DecodedTx>();
  private offered: { snapshot: Snapshot; appHash: Uint8Array; chunks: Uint8Array[] } | undefined;
  readonly snapshotInterval: number;
  readonly keepSnapshots: number;
  readonly maxTxBytes: number;
  readonly minGasPrice: GasPrice;
  private readonly log: (line: string) => void;

  constructor(options: AppOptions) {
    this.store = new NodeStore(options.dbPath);
    this.beacon = new NodeBeacon(options.beaconKey);
    this.snapshotInterval = options.snapshotInterval ?? 100;
    this.keepSnapshots = options.keepSnapshots ?? 2;
    this.maxTxBytes = options.maxTxBytes ?? DEFAULT_MAX_TX_BYTES;
    this.minGasPrice = options.minGasPrice ?? ZERO_GAS_PRICE;
    this.log = options.log ?? (() => {});
    this.load();
  }

  close(): void {
    this.store.close();
  }

  /** Rebuilds the committed state: the latest snapshot, then the event log after it (checking every app hash). */
  load(): void {
    this.pending = undefined;
    this.checkSequences.clear();
    this.pendingSpend.clear();
    this.verified.clear();
    const chainId = this.store.getMetaText("chain_id");
    const snap = this.store.latestSnapshot();
    if (chainId === undefined || snap === undefined) {
      this.state = undefined;
      this.height = 0;
      this.appHash = this.protocolHash = this.accountsHash = new Uint8Array(0);
      return;
    }
    const s = decodeSnapshot(snap.bytes);
    const state = s.state;
    let { protocolHash, accountsHash, appHash } = s;
    if (bytesToHex(nodeAppHash(protocolHash, accountsHash)) !== bytesToHex(appHash)) throw new Error(`the snapshot of height ${snap.height} does not match its own app hash; the database is corrupt`);
    let replayed = 0;
    for (const row of this.store.blocksAfter(snap.height)) {
      const events = decodeEventLog(row.events);
      for (const e of events) evolve(state, e);
      protocolHash = nextAppHash(protocolHash, events);
      if (bytesToHex(protocolHash) !== bytesToHex(row.protocolHash)) throw new Error(`event log of height ${row.height} does not reproduce its stored app hash; the database is corrupt`);
      accountsHash = row.accountsHash;
      appHash = nodeAppHash(protocolHash, accountsHash);
      if (bytesToHex(appHash) !== bytesToHex(row.appHash)) throw new Error(`the app hash of height ${row.height} does not match its components; the database is corrupt`);
      replayed++;
    }
    this.chainId = chainId;
    const interner = new Interner();
    this.state = interner.deep(state);
    this.appHash = appHash;
    this.protocolHash = protocolHash;
    this.accountsHash = accountsHash;
    this.height = state.height;
    this.accounts = new Accounts(interner.deep(this.store.accounts()));
    this.beacon.last = this.store.getMeta("beacon") ?? protocolHash;
    this.log(`app: loaded height ${this.height} (snapshot ${snap.height} + ${replayed} blocks of events), app hash ${bytesToHex(appHash).toUpperCase()}`);
  }

  readonly handle: AbciHandler = (req: Request, kind: RequestCase): Response => {
    switch (kind) {
      case "info": return { info: this.info() };
      case "initChain": return { initChain: this.initChain(req.initChain!) };
      case "query": return { query: answerQuery(this, req.query!) };
      case "checkTx": return { checkTx: this.checkTx(req.checkTx!.tx, req.checkTx!.type) };
      case "prepareProposal": return { prepareProposal: { txs: this.beacon.prepare(Number(req.prepareProposal!.height), this.prepareProposal(req.prepareProposal!.txs.filter((t) => !isBeaconTx(t)), req.prepareProposal!.maxTxBytes - 200n)) } };
      case "processProposal": return { processProposal: { status: this.processBeacon(req.processProposal!) ?? this.processProposal(req.processProposal!.txs.slice(1)) } };
      case "finalizeBlock": return { finalizeBlock: this.finalizeBlock(req.finalizeBlock!) };
      case "commit": return { commit: this.commit() };
      case "extendVote": return { extendVote: { voteExtension: new Uint8Array(0) } };
      case "verifyVoteExtension":
        return { verifyVoteExtension: { status: req.verifyVoteExtension!.voteExtension.length === 0 ? ResponseVerifyVoteExtension_VerifyStatus.ACCEPT : ResponseVerifyVoteExtension_VerifyStatus.REJECT } };
      case "listSnapshots": return { listSnapshots: { snapshots: this.listSnapshots() } };
      case "loadSnapshotChunk": return { loadSnapshotChunk: { chunk: this.loadSnapshotChunk(Number(req.loadSnapshotChunk!.height), req.loadSnapshotChunk!.chunk) } };
      case "offerSnapshot": return { offerSnapshot: { result: this.offerSnapshot(req.offerSnapshot!.snapshot, req.offerSnapshot!.appHash) } };
      case "applySnapshotChunk": return { applySnapshotChunk: this.applySnapshotChunk(req.applySnapshotChunk!.index, req.applySnapshotChunk!.chunk) };
      default: throw new Error(`unsupported ABCI method ${String(kind)}`);
    }
  };

  info() {
    if (this.pending) this.load();
    return { data: "r3mes", version: "0.1.0", appVersion: APP_VERSION, lastBlockHeight: this.state ? BigInt(this.height) : 0n, lastBlockAppHash: this.state && this.store.lastHeight() !== undefined ? this.appHash : new Uint8Array(0) };
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
    genesis.initialHeight = Number(req.initialHeight > 0n ? req.initialHeight : 1n);
    const s = initChain(genesis);
    if (isProtocolError(s)) throw new Error(`invalid genesis app_state: ${s.message}`);
    const accounts = new Accounts();
    for (const a of genesis.accounts) accounts.ensure(a.address);
    for (const r of genesis.roles) accounts.ensure(r.address);
    accounts.takeDirty();
    const protocolHash = stateRoot(s);
    const accountsHash = genesisAccountsHash(accounts.all());
    const appHash = nodeAppHash(protocolHash, accountsHash);
    const snapshot = encodeSnapshot({ format: SNAPSHOT_FORMAT, height: s.height, appHash, protocolHash, accountsHash, chainId: req.chainId, state: s, accounts: accounts.all() });
    this.store.resetWith({ chain_id: req.chainId }, s.height, snapshot, accounts.all());
    this.load();
    this.log(`app: InitChain ${req.chainId}, initial height ${genesis.initialHeight}, genesis app hash ${bytesToHex(appHash).toUpperCase()}`);
    const mismatch = genesisMismatch(s, req.validators);
    if (mismatch) throw new Error(mismatch);
    return { validators: genesisValidators(s), appHash };
  }

  private requireState(): State {
    if (!this.state) throw new Error("the chain has not been initialised (InitChain) yet");
    return this.state;
  }

  /**
   * Stateless checks, then the signature against the account's number. A tx
   * that passed is cached by its hash until a block holds it, so CometBFT's
   * CheckTx, RECHECK, PrepareProposal, ProcessProposal and FinalizeBlock of
   * the same bytes decode and verify it once.
   */
  private authenticate(bytes: Uint8Array, sequences: (addr: string) => bigint | undefined): Checked {
    const hash = sha256Fast(bytes);
    const key = hexOf(hash);
    let tx = this.verified.get(key);
    if (tx === undefined) {
      const decoded = decodeTx(bytes, this.maxTxBytes, hash);
      if (decoded instanceof TxError) return { ok: false, err: decoded };
      const account = this.accounts.get(decoded.signer);
      if (!account) return { ok: false, tx: decoded, err: new TxError(SdkCode.unknownAddress, `account ${decoded.signer} does not exist; fund it with a bank send first`) };
      const d = withSignerString(decoded, account.address);
      if (!verifySignature(d, this.chainId, account.number)) {
        return { ok: false, tx: d, err: new TxError(SdkCode.unauthorized, `signature verification failed; check the account number (${account.number}), sequence (${d.sequence}) and chain id (${this.chainId}) the tx was signed with`) };
      }
      // Oldest first out: the cache holds what waits in the mempool; a tx evicted here is just verified again.
      if (this.verified.size >= VERIFIED_CACHE_MAX) this.verified.delete(this.verified.keys().next().value!);
      tx = d;
      this.verified.set(key, tx);
    }
    const expected = sequences(tx.signer) ?? this.accounts.get(tx.signer)!.sequence;
    if (tx.sequence !== expected) return { ok: false, tx, err: new TxError(SdkCode.wrongSequence, `account sequence mismatch, expected ${expected}, got ${tx.sequence}: incorrect account sequence`) };
    return { ok: true, tx };
  }

  private nextContext(): BlockContext {
    const s = this.requireState();
    return { height: s.height + 1, timeMs: 0n, blockHash: new Uint8Array(32), beacon: new Uint8Array(32), beaconOutput: new Uint8Array(0), proposer: "", lastCommit: [], misbehavior: [] };
  }

  /**
   * CheckTx and RECHECK: the tx's authentication (signature, sequence after
   * the signer's txs already in the mempool), gas and fee, then its messages
   * decided against the last committed state, read-only. The mempool's own
   * effects are tracked only where they matter for admission, as in the
   * Cosmos SDK: sequences, and what each signer's admitted txs spend (fees
   * and bank sends) against its balance. Two mempool txs that conflict in
   * protocol terms (the same miner's second submission for a shard, a bond
   * spent twice) both pass here, and FinalizeBlock fails the later one with
   * its code (its fee paid). No copy of the state per block: a copy of a
   * 20,000-miner state cost ~90 ms of the app's single thread each block.
   */
  checkTx(bytes: Uint8Array, _type: CheckTxType) {
    const state = this.requireState();
    const response = (code: number, codespace: string, log: string, gasWanted = 0n, gasUsed = 0n) => ({ code, codespace, log, data: new Uint8Array(0), info: "", gasWanted, gasUsed, events: [] });
    const c = this.authenticate(bytes, (a) => this.checkSequences.get(a));
    if (!c.ok) return response(c.err.code, c.err.codespace, c.err.log);
    const tx = c.tx;
    const gasUsed = gasUsedOf(tx.size, tx.msgs.length);
    if (tx.gasLimit < gasUsed) return response(SdkCode.outOfGas, "sdk", `out of gas: the tx needs ${gasUsed}, its gas limit is ${tx.gasLimit}`, tx.gasLimit, gasUsed);
    const minFee = requiredFee(tx.gasLimit, this.minGasPrice);
    if (tx.fee < minFee) {
      return response(SdkCode.insufficientFee, "sdk", `insufficient fee: got ${tx.fee}uremes, this node requires ${minFee}uremes (gas limit ${tx.gasLimit} × minimum gas price ${this.minGasPrice.text})`, tx.gasLimit, gasUsed);
    }
    const pending = this.pendingSpend.get(tx.signer) ?? 0n;
    const outflow = tx.fee + tx.msgs.reduce((n, m) => (m.case === "send" && m.value.fromAddress === tx.signer ? n + m.value.amount : n), 0n);
    if (outflow > 0n) {
      const funds = payFee(state, { payer: tx.signer, amount: pending + outflow });
      if (isProtocolError(funds)) {
        return response(funds.code, "remes", `insufficient funds: this tx spends ${outflow} uremes (fee and sends)${pending > 0n ? ` after ${pending} uremes of this account's txs already in the mempool` : ""}: ${funds.message}`, tx.gasLimit, gasUsed);
      }
    }
    const ctx = this.nextContext();
    if (tx.msgs.length === 1) {
      const d = decide(state, tx.msgs[0]!, ctx);
      if (isProtocolError(d)) return response(d.code, "remes", d.message, tx.gasLimit, gasUsed);
    } else {
      // Later messages may depend on earlier ones: run them all, then undo (journal.ts; no copy of the state).
      const r = dryRunTx(state, tx.msgs, ctx);
      if (r.code !== 0) return response(r.code, "remes", r.log, tx.gasLimit, gasUsed);
    }
    this.checkSequences.set(tx.signer, tx.sequence + 1n);
    if (outflow > 0n) this.pendingSpend.set(tx.signer, pending + outflow);
    return response(0, "", "", tx.gasLimit, gasUsed);
  }

  /** Keeps the txs that fit and pass authentication (in order, sequences tracked). */
  prepareProposal(txs: readonly Uint8Array[], maxTxBytes: bigint): Uint8Array[] {
    const out: Uint8Array[] = [];
    const seqs = new Map<string, bigint>();
    let total = 0n;
    for (const bytes of txs) {
      if (total + BigInt(bytes.length) > maxTxBytes) continue;
      const c = this.authenticate(bytes, (a) => seqs.get(a));
      if (!c.ok) continue;
      seqs.set(c.tx.signer, c.tx.sequence + 1n);
      total += BigInt(bytes.length);
      out.push(bytes);
    }
    return out;
  }

  /** Rejects a proposal holding a tx no honest proposer would include (malformed, oversized, badly signed). */
  processProposal(txs: readonly Uint8Array[]): ResponseProcessProposal_ProposalStatus {
    for (const bytes of txs) {
      const c = this.authenticate(bytes, () => undefined);
      if (!c.ok && c.err.code !== SdkCode.wrongSequence) return ResponseProcessProposal_ProposalStatus.REJECT;
    }
    return ResponseProcessProposal_ProposalStatus.ACCEPT;
  }

  /** REJECT when the proposal's beacon tx is missing or wrong (src/node/beacon.ts), else undefined. */
  private processBeacon(req: { txs: Uint8Array[]; height: bigint; proposerAddress: Uint8Array }): ResponseProcessProposal_ProposalStatus | undefined {
    const cons = bytesToHex(req.proposerAddress);
    const key = [...this.requireState().roles.values()].find((r) => r.role === Role.VALIDATOR && r.pubkey.length === 32 && bytesToHex(sha256(r.pubkey).subarray(0, 20)) === cons)?.pubkey;
    const problem = this.beacon.problem(req.txs, key, Number(req.height));
    if (problem === undefined) return undefined;
    this.log(`app: ProcessProposal ${req.height} rejected: ${problem}`);
    return ResponseProcessProposal_ProposalStatus.REJECT;
  }

  /** CometBFT consensus address (sha256(ed25519 pubkey)[:20], hex) → protocol validator address. */
  private validatorAddresses(state: Readonly<State>): Map<string, string> {
    const m = new Map<string, string>();
    for (const r of state.roles.values()) {
      if (r.role === Role.VALIDATOR && r.pubkey.length === 32) m.set(bytesToHex(sha256(r.pubkey).subarray(0, 20)), r.address);
    }
    return m;
  }

  blockContext(req: RequestFinalizeBlock): BlockContext {
    const byCons = this.validatorAddresses(this.requireState());
    const who = (addr: Uint8Array) => byCons.get(bytesToHex(addr));
    const lastCommit: ValidatorVote[] = [];
    for (const v of req.decidedLastCommit?.votes ?? []) {
      const address = who(v.validator?.address ?? new Uint8Array(0));
      if (address !== undefined) lastCommit.push({ address, signed: v.blockIdFlag === BlockIDFlag.BLOCK_ID_FLAG_COMMIT });
    }
    const misbehavior: Misbehavior[] = [];
    for (const m of req.misbehavior) {
      const validator = who(m.validator?.address ?? new Uint8Array(0));
      if (validator === undefined) continue;
      if (m.type !== MisbehaviorType.DUPLICATE_VOTE && m.type !== MisbehaviorType.LIGHT_CLIENT_ATTACK) continue;
      misbehavior.push({ kind: m.type === MisbehaviorType.DUPLICATE_VOTE ? "duplicate_vote" : "light_client_attack", validator, height: Number(m.height) });
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
    const started = performance.now();
    if (this.pending) this.load();
    const state = this.requireState();
    const ctx = this.blockContext(req);
    if (ctx.height !== this.height + 1) throw new Error(`FinalizeBlock for height ${ctx.height}, but the app is at height ${this.height}`);
    const checked: Checked[] = [];
    const applied: { index: number; tx: DecodedTx }[] = [];
    const seqs = new Map<string, bigint>();
    const beaconTx = isBeaconTx(req.txs[0]);
    for (const bytes of beaconTx ? req.txs.slice(1) : req.txs) {
      const c = this.authenticate(bytes, (a) => seqs.get(a));
      checked.push(c);
      if (!c.ok) continue;
      seqs.set(c.tx.signer, c.tx.sequence + 1n);
      this.accounts.bump(c.tx.signer, c.tx.pubkey);
      applied.push({ index: checked.length - 1, tx: c.tx });
    }
    // A block's txs are done with: their sequences are used (a replay fails the sequence check, uncached).
    for (const c of checked) if (c.tx) this.verified.delete(hexOf(c.tx.hash));
    // The block's events hash is sha256 of exactly the bytes the event log stores (apphash.ts): encode them once, hash them with OpenSSL.
    let eventLog: Uint8Array = new Uint8Array(0);
    const eventsHash = (events: readonly ProtocolEvent[]) => sha256Fast((eventLog = encodeEventLog(events)));
    const result = applyBlock(state, ctx, applied.map((a) => a.tx.msgs as readonly ProtocolCommand[]), this.protocolHash, eventsHash, applied.map((a) => feeOf(a.tx)));
    this.state = result.state;
    const txResults: ExecTxResult[] = checked.map((c) => ({
      code: c.ok ? 0 : c.err.code, codespace: c.ok ? "" : c.err.codespace, log: c.ok ? "" : c.err.log, info: "", data: new Uint8Array(0),
      gasWanted: c.tx?.gasLimit ?? 0n, gasUsed: c.tx ? gasUsedOf(c.tx.size, c.tx.msgs.length) : 0n, events: [],
    }));
    if (beaconTx) txResults.unshift({ code: 0, codespace: "", log: "beacon", info: "", data: new Uint8Array(0), gasWanted: 0n, gasUsed: 0n, events: [] });
    const txEvents = new Set<ProtocolEvent>();
    applied.forEach(({ index, tx }, i) => {
      const r = result.txResults[i]!;
      for (const e of r.events) txEvents.add(e);
      txResults[index + (beaconTx ? 1 : 0)] = { ...txResults[index + (beaconTx ? 1 : 0)]!, code: r.code, codespace: r.code === 0 ? "" : "remes", log: r.log, events: txAbciEvents({ ...tx, sequence: tx.sequence }, r.events) };
    });
    // Transfer recipients get account numbers now, so they can sign next.
    for (const e of result.events) if (e.case === "transferred" && !e.value.to.startsWith("module:")) this.accounts.ensure(e.value.to);
    const accounts = this.accounts.takeDirty();
    const accountsHash = nextAccountsHash(this.accountsHash, accounts);
    const appHash = nodeAppHash(result.appHash, accountsHash);
    this.pending = { height: ctx.height, beacon: ctx.beacon, txs: req.txs.length, appHash, protocolHash: result.appHash, accountsHash, accounts, events: eventLog, finalizeMs: performance.now() - started };
    return {
      events: [abciEvent("remes.block", { height: String(ctx.height) }), ...result.events.filter((e) => !txEvents.has(e)).map(protocolAbciEvent)],
      txResults,
      validatorUpdates: validatorUpdatesOf(result.events),
      appHash,
    };
  }

  /** Whether the Commit of this height writes a state snapshot. */
  snapshotDue(height: number): boolean {
    return height % this.snapshotInterval === 0;
  }

  commit() {
    const p = this.pending;
    if (!p) throw new Error("Commit without a finalized block");
    const started = performance.now();
    const snapshot = this.snapshotDue(p.height)
      ? encodeSnapshot({ format: SNAPSHOT_FORMAT, height: p.height, appHash: p.appHash, protocolHash: p.protocolHash, accountsHash: p.accountsHash, chainId: this.chainId, state: this.state!, accounts: this.accounts.all(), beacon: p.beacon })
      : undefined;
    this.store.commit({ block: { height: p.height, appHash: p.appHash, protocolHash: p.protocolHash, accountsHash: p.accountsHash, events: p.events }, accounts: p.accounts, snapshot, keepSnapshots: this.keepSnapshots, meta: { beacon: p.beacon } });
    this.beacon.last = p.beacon;
    this.pending = undefined;
    this.height = p.height;
    this.appHash = p.appHash;
    this.protocolHash = p.protocolHash;
    this.accountsHash = p.accountsHash;
    this.checkSequences.clear();
    this.pendingSpend.clear();
    if (p.txs > 0 || snapshot) this.log(`app: height ${p.height}: ${p.txs} txs, FinalizeBlock ${p.finalizeMs.toFixed(0)} ms, Commit ${(performance.now() - started).toFixed(0)} ms${snapshot ? ` (with a ${(snapshot.length / 2 ** 20).toFixed(1)} MB snapshot)` : ""}`);
    return { retainHeight: 0n };
  }

  // --- state sync ---

  listSnapshots(): Snapshot[] {
    const genesis = this.state ? this.state.initialHeight - 1 : 0;
    return this.store.listSnapshots().filter((s) => s.height > genesis).map((s) => ({
      height: BigInt(s.height), format: SNAPSHOT_FORMAT, chunks: chunkCount(s.bytes), hash: snapshotHash(s.bytes), metadata: new Uint8Array(0),
    }));
  }

  loadSnapshotChunk(height: number, chunk: number): Uint8Array {
    const bytes = this.store.snapshotAt(height);
    return bytes ? chunkOf(bytes, chunk) : new Uint8Array(0);
  }

  offerSnapshot(snapshot: Snapshot | undefined, appHash: Uint8Array): ResponseOfferSnapshot_Result {
    if (!snapshot) return ResponseOfferSnapshot_Result.REJECT;
    if (snapshot.format !== SNAPSHOT_FORMAT) return ResponseOfferSnapshot_Result.REJECT_FORMAT;
    if (snapshot.chunks < 1 || snapshot.chunks > 4096) return ResponseOfferSnapshot_Result.REJECT;
    this.offered = { snapshot, appHash, chunks: [] };
    return ResponseOfferSnapshot_Result.ACCEPT;
  }

  applySnapshotChunk(index: number, chunk: Uint8Array) {
    const o = this.offered;
    const res = (result: ResponseApplySnapshotChunk_Result) => ({ result, refetchChunks: [], rejectSenders: [] });
    if (!o || index >= o.snapshot.chunks) return res(ResponseApplySnapshotChunk_Result.ABORT);
    o.chunks[index] = chunk.slice();
    if (o.chunks.filter((c) => c !== undefined).length < o.snapshot.chunks) return res(ResponseApplySnapshotChunk_Result.ACCEPT);
    const bytes = concat(o.chunks);
    this.offered = undefined;
    if (bytesToHex(snapshotHash(bytes)) !== bytesToHex(o.snapshot.hash)) return res(ResponseApplySnapshotChunk_Result.REJECT_SNAPSHOT);
    let s;
    try {
      s = decodeSnapshot(bytes);
    } catch {
      return res(ResponseApplySnapshotChunk_Result.REJECT_SNAPSHOT);
    }
    if (s.height !== Number(o.snapshot.height) || bytesToHex(s.appHash) !== bytesToHex(o.appHash)) return res(ResponseApplySnapshotChunk_Result.REJECT_SNAPSHOT);
    this.store.resetWith({ chain_id: s.chainId }, s.height, bytes, s.accounts);
    this.load();
    // The snapshot is the base; its height counts as committed for Info.
    this.store.commit({ block: { height: s.height, appHash: s.appHash, protocolHash: s.protocolHash, accountsHash: s.accountsHash, events: new Uint8Array(0) }, accounts: [], keepSnapshots: this.keepSnapshots, ...(s.beacon ? { meta: { beacon: s.beacon } } : {}) });
    this.load();
    return res(ResponseApplySnapshotChunk_Result.ACCEPT);
  }
}
