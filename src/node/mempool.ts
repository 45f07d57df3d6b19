/**
 * The mempool connection and the proposal checks: local policy, not
 * consensus (a node may change any of it without forking). CheckTx admits a
 * tx against the last committed state; PrepareProposal picks the txs a block
 * this node proposes holds; ProcessProposal rejects a proposal no honest
 * proposer would make. Nothing here writes the committed state.
 *
 * Fees: a node's minimum gas price (HOME/config/app.toml, like the Cosmos
 * SDK's minimum-gas-prices) is checked in CheckTx only: a tx paying less is
 * refused with code 13 (insufficient fee).
 *
 * The verified cache is shared with FinalizeBlock (consensus.ts), which
 * authenticates its txs through `authenticate` and `forget`s them once a
 * block holds them.
 */
import { bytesToHex } from "@noble/hashes/utils.js";
import {
  type CheckTxType,
  ResponseProcessProposal_ProposalStatus,
} from "cosmjs-types/tendermint/abci/types";
import type { BlockContext } from "../protocol/context.ts";
import { isProtocolError } from "../protocol/errors.ts";
import { checkFunds } from "../protocol/ledger.ts";
import { decide, dryRunTx } from "../protocol/machine.ts";
import { type Committed, requireState } from "./committed.ts";
import { sha256Key } from "./hash.ts";
import {
  type DecodedTx,
  decodeTx,
  gasUsedOf,
  requiredFee,
  SdkCode,
  TxError,
  verifySignature,
  withSignerString,
} from "./tx.ts";
import { validatorsByConsensusAddress } from "./validator-updates.ts";

/**
 * What the verified cache keeps of a tx, and what CheckTx, the proposal
 * checks and FinalizeBlock read: the decoded tx without what only the
 * signature check reads (body and auth info bytes), its memo, and its hash
 * as bytes (the cache's key, sha256Key's string, instead). Every
 * young-generation collection copies these records until the tx's block,
 * so they hold only what is read later.
 */
export interface AdmittedTx {
  /** sha256 of the tx bytes, a character per byte (hash.ts sha256Key): the verified cache's key. */
  readonly key: string;
  readonly size: number;
  readonly signer: string;
  readonly pubkey: Uint8Array;
  readonly sequence: bigint;
  readonly signature: Uint8Array;
  readonly msgs: DecodedTx["msgs"];
  readonly typeUrls: readonly string[];
  readonly gasLimit: bigint;
  readonly fee: bigint;
  readonly timeoutHeight: bigint;
}

const admitted = (d: DecodedTx, key: string): AdmittedTx => ({
  key,
  size: d.size,
  signer: d.signer,
  pubkey: d.pubkey,
  sequence: d.sequence,
  signature: d.signature,
  msgs: d.msgs,
  typeUrls: d.typeUrls,
  gasLimit: d.gasLimit,
  fee: d.fee,
  timeoutHeight: d.timeoutHeight,
});

/** A decoded tx plus the outcome of its checks. */
export type Checked =
  | { readonly ok: true; readonly tx: AdmittedTx }
  | { readonly ok: false; readonly err: TxError; readonly tx?: AdmittedTx };

/** decodeTx's hash for a tx the cache keys by sha256Key (the bytes would be computed and dropped). */
const NO_HASH = new Uint8Array(0);

/** A CheckTx response's data (none; the encoder only reads it). */
const EMPTY = new Uint8Array(0);

/**
 * What a tx takes of a block's data bytes as CometBFT counts them
 * (types.ComputeProtoSizeForTxs, the limit PrepareProposal must keep to:
 * a proposal past it makes CometBFT panic): its protobuf field — tag,
 * length varint, bytes.
 */
export const dataBytesOf = (tx: Uint8Array): number => {
  let n = 1;
  for (let v = tx.length; v > 0x7f; v = Math.floor(v / 128)) n++;
  return 1 + n + tx.length;
};

/** ProcessProposal checks sequences per tx alone (a gap is not a reason to reject). */
const noSequences = (): undefined => undefined;

/** A CheckTx response (what the encoder reads of it). */
const response = (code: number, codespace: string, log: string, gasWanted = 0n, gasUsed = 0n) => ({
  code,
  codespace,
  log,
  data: EMPTY,
  info: "",
  gasWanted,
  gasUsed,
  events: [],
});

/** Above CometBFT's mempool size (5,000 by default; raise both together). */
const VERIFIED_CACHE_MAX = 100_000;

export class Mempool {
  /** Since the last Commit, per signer: the next sequence the mempool expects, and what its admitted txs spend. */
  private readonly checkSequences = new Map<string, bigint>();
  private readonly pendingSpend = new Map<string, bigint>();
  /** Txs whose signature checked out, by hash (sha256Key), until a block holds them. */
  private readonly verified = new Map<string, AdmittedTx>();

  constructor(private readonly node: Committed) {}

  /** Forgets everything: the committed state was reloaded. */
  clear(): void {
    this.checkSequences.clear();
    this.pendingSpend.clear();
    this.verified.clear();
    this.prepared = undefined;
    this.context = undefined;
  }

  /** A block was committed: the mempool's sequences and spends are recounted by RECHECK against it. */
  committed(): void {
    this.checkSequences.clear();
    this.pendingSpend.clear();
    this.prepared = undefined;
  }

  /** Txs verified and not yet in a block (what the mempool holds, as far as the app knows; metrics). */
  get pending(): number {
    return this.verified.size;
  }

  /** A block holds this tx: its sequence is used (a replay fails the sequence check, uncached). */
  forget(tx: AdmittedTx): void {
    this.verified.delete(tx.key);
  }

  /**
   * Stateless checks, then the signature against the account's number, then
   * the ante checks of the block the tx would run in (timeout height, gas
   * limit) and its sequence: the same in CheckTx and FinalizeBlock, so a
   * block refuses what every mempool refused. A tx
   * that passed is cached by its hash until a block holds it, so CometBFT's
   * CheckTx, RECHECK, PrepareProposal, ProcessProposal and FinalizeBlock of
   * the same bytes decode and verify it once.
   */
  authenticate(bytes: Uint8Array, sequences: (addr: string) => bigint | undefined): Checked {
    const { accounts, chainId } = this.node;
    // The key straight from OpenSSL: most calls (RECHECK, the proposal checks, FinalizeBlock) only look the tx up.
    const key = sha256Key(bytes);
    let tx = this.verified.get(key);
    if (tx === undefined) {
      const decoded = decodeTx(bytes, this.node.maxTxBytes, NO_HASH);
      if (decoded instanceof TxError) return { ok: false, err: decoded };
      const account = accounts.get(decoded.signer);
      if (!account)
        return {
          ok: false,
          tx: admitted(decoded, key),
          err: new TxError(
            SdkCode.unknownAddress,
            `account ${decoded.signer} does not exist; fund it with a bank send first`,
          ),
        };
      const d = withSignerString(decoded, account.address);
      if (!verifySignature(d, chainId, account.number)) {
        return {
          ok: false,
          tx: admitted(d, key),
          err: new TxError(
            SdkCode.unauthorized,
            `signature verification failed; check the account number (${account.number}), sequence (${d.sequence}) and chain id (${chainId}) the tx was signed with`,
          ),
        };
      }
      // Oldest first out: the cache holds what waits in the mempool; a tx evicted here is just verified again.
      if (this.verified.size >= VERIFIED_CACHE_MAX)
        this.verified.delete(this.verified.keys().next().value!);
      tx = admitted(d, key);
      this.verified.set(key, tx);
    }
    // The ante checks of the block the tx would run in (CheckTx's next block, FinalizeBlock's own): refused, no fee, no sequence used.
    if (tx.timeoutHeight !== 0n && BigInt(this.node.height + 1) > tx.timeoutHeight)
      return {
        ok: false,
        tx,
        err: new TxError(
          SdkCode.txTimeoutHeight,
          `tx timeout height: the tx was signed to run by height ${tx.timeoutHeight}, the block is ${this.node.height + 1}`,
        ),
      };
    const gasUsed = gasUsedOf(tx.size, tx.msgs.length);
    if (tx.gasLimit < gasUsed)
      return {
        ok: false,
        tx,
        err: new TxError(
          SdkCode.outOfGas,
          `out of gas: the tx needs ${gasUsed}, its gas limit is ${tx.gasLimit}`,
        ),
      };
    const expected = sequences(tx.signer) ?? accounts.get(tx.signer)!.sequence;
    if (tx.sequence !== expected)
      return {
        ok: false,
        tx,
        err: new TxError(
          SdkCode.wrongSequence,
          `account sequence mismatch, expected ${expected}, got ${tx.sequence}: incorrect account sequence`,
        ),
      };
    return { ok: true, tx };
  }

  /** The context CheckTx decides messages in (the next block's height; no time, hash or beacon yet), one per height. */
  private context: BlockContext | undefined;

  private nextContext(): BlockContext {
    const s = requireState(this.node);
    if (this.context?.height !== s.height + 1)
      this.context = {
        height: s.height + 1,
        timeMs: 0n,
        blockHash: new Uint8Array(32),
        beacon: new Uint8Array(32),
        beaconOutput: new Uint8Array(0),
        proposer: "",
        lastCommit: [],
        misbehavior: [],
      };
    return this.context;
  }

  /** CheckTx's sequence lookup (one closure, not one per tx). */
  private readonly checkSequence = (a: string) => this.checkSequences.get(a);

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
    const state = requireState(this.node);
    const c = this.authenticate(bytes, this.checkSequence);
    if (!c.ok)
      return c.tx === undefined
        ? response(c.err.code, c.err.codespace, c.err.log)
        : response(
            c.err.code,
            c.err.codespace,
            c.err.log,
            c.tx.gasLimit,
            gasUsedOf(c.tx.size, c.tx.msgs.length),
          );
    const tx = c.tx;
    const gasUsed = gasUsedOf(tx.size, tx.msgs.length);
    const minGasPrice = this.node.minGasPrice;
    const minFee = requiredFee(tx.gasLimit, minGasPrice);
    if (tx.fee < minFee) {
      return response(
        SdkCode.insufficientFee,
        "sdk",
        `insufficient fee: got ${tx.fee}uremes, this node requires ${minFee}uremes (gas limit ${tx.gasLimit} × minimum gas price ${minGasPrice.text})`,
        tx.gasLimit,
        gasUsed,
      );
    }
    const pending = this.pendingSpend.get(tx.signer) ?? 0n;
    let outflow = tx.fee;
    for (let i = 0; i < tx.msgs.length; i++) {
      const m = tx.msgs[i]!;
      if (m.case === "send" && m.value.fromAddress === tx.signer) outflow += m.value.amount;
    }
    if (outflow > 0n) {
      // payFee's check and its error, without the fee event it would build (CheckTx writes nothing).
      const amount = pending + outflow;
      const bad = checkFunds(state, tx.signer, amount);
      if (bad !== undefined) {
        return response(
          bad.code,
          "remes",
          `insufficient funds: this tx spends ${outflow} uremes (fee and sends)${pending > 0n ? ` after ${pending} uremes of this account's txs already in the mempool` : ""}: cannot pay the fee of ${amount} uremes: ${bad.message}`,
          tx.gasLimit,
          gasUsed,
        );
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

  /**
   * The txs this node's last PrepareProposal kept, at which committed
   * height: CometBFT hands its own proposal to ProcessProposal next, and txs
   * that passed these checks against the same state pass them again.
   */
  private prepared: { readonly height: number; readonly txs: readonly Uint8Array[] } | undefined;

  /** Keeps the txs that fit in `maxDataBytes` (CometBFT's count: dataBytesOf each) and pass authentication (in order, sequences tracked). */
  prepareProposal(txs: readonly Uint8Array[], maxDataBytes: bigint): Uint8Array[] {
    this.prepared = undefined;
    const out: Uint8Array[] = [];
    const seqs = new Map<string, bigint>();
    const max = Number(maxDataBytes);
    let total = 0;
    const lookup = (a: string) => seqs.get(a);
    for (let i = 0; i < txs.length; i++) {
      const bytes = txs[i]!;
      const size = dataBytesOf(bytes);
      if (total + size > max) continue;
      const c = this.authenticate(bytes, lookup);
      if (!c.ok) continue;
      seqs.set(c.tx.signer, c.tx.sequence + 1n);
      total += size;
      out.push(bytes);
    }
    this.prepared = { height: this.node.height, txs: out };
    return out;
  }

  /** Rejects a proposal holding a tx no honest proposer would include (malformed, oversized, badly signed). */
  processProposal(txs: readonly Uint8Array[]): ResponseProcessProposal_ProposalStatus {
    if (this.isPrepared(txs)) return ResponseProcessProposal_ProposalStatus.ACCEPT;
    for (let i = 0; i < txs.length; i++) {
      const c = this.authenticate(txs[i]!, noSequences);
      if (!c.ok && c.err.code !== SdkCode.wrongSequence)
        return ResponseProcessProposal_ProposalStatus.REJECT;
    }
    return ResponseProcessProposal_ProposalStatus.ACCEPT;
  }

  /** Whether `txs` are byte for byte what this node's PrepareProposal kept at the current committed height. */
  private isPrepared(txs: readonly Uint8Array[]): boolean {
    const p = this.prepared;
    if (p === undefined || p.height !== this.node.height || p.txs.length !== txs.length)
      return false;
    for (let i = 0; i < txs.length; i++) {
      const a = p.txs[i]!;
      const b = txs[i]!;
      if (a !== b && (a.length !== b.length || Buffer.compare(a, b) !== 0)) return false;
    }
    return true;
  }

  /** REJECT when the proposal's beacon tx is missing or wrong (src/node/beacon.ts), else undefined. */
  processBeacon(req: {
    txs: Uint8Array[];
    height: bigint;
    proposerAddress: Uint8Array;
  }): ResponseProcessProposal_ProposalStatus | undefined {
    const cons = bytesToHex(req.proposerAddress);
    const key = validatorsByConsensusAddress(requireState(this.node)).get(cons)?.pubkey;
    const problem = this.node.beacon.problem(req.txs, key, Number(req.height));
    if (problem === undefined) return undefined;
    this.node.log(`app: ProcessProposal ${req.height} rejected: ${problem}`);
    return ResponseProcessProposal_ProposalStatus.REJECT;
  }
}
