/**
 * The REST gateway's JSON: CometBFT RPC results and Cosmos protobuf
 * messages rendered as the Cosmos SDK's grpc-gateway renders them — proto3
 * JSON with the proto (snake_case) field names, defaults emitted, 64-bit
 * integers as strings, bytes as base64, enums by name, `@type` on Any.
 * CometBFT's RPC speaks another dialect (hashes as upper-case hex, block id
 * flags as numbers, `parts` for `part_set_header`); the converters here
 * translate it.
 */
import { type DescMessage, fromBinary, toJson } from "@bufbuild/protobuf";
import { bech32 } from "@scure/base";
import { MsgSend as BankMsgSend } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import { PubKey as Secp256k1PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { signModeToJSON } from "cosmjs-types/cosmos/tx/signing/v1beta1/signing";
import { AuthInfo, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import type { Any } from "cosmjs-types/google/protobuf/any";
import { CommandSchema } from "../gen/remes/v1/tx_pb.ts";
import { BANK_SEND_TYPE_URL, BECH32_PREFIX, SECP256K1_PUBKEY_TYPE_URL } from "./tx.ts";

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64");
/** CometBFT's hex (any case, possibly empty) → base64, as gogoproto JSON writes bytes. */
export const hexToB64 = (hex: unknown): string =>
  typeof hex === "string" ? Buffer.from(hex, "hex").toString("base64") : "";
const str = (v: unknown): string => (typeof v === "string" ? v : v == null ? "" : String(v));
const num = (v: unknown): number => (typeof v === "number" ? v : Number(v ?? 0) || 0);
const obj = (v: unknown): Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The SDK's JSON options for our generated (protobuf-es) messages. */
export const PROTO_JSON = { useProtoFieldName: true, alwaysEmitImplicit: true } as const;

/** Type URL → schema of every remes Msg (the Command oneof's messages). */
const remesMsgs = new Map<string, DescMessage>(
  CommandSchema.fields.flatMap((f) =>
    f.message === undefined ? [] : [[`/${f.message.typeName}`, f.message] as const],
  ),
);

const coins = (cs: readonly { denom: string; amount: string }[]): Json =>
  cs.map((c) => ({ denom: c.denom, amount: c.amount }));

/** An Any holding a message of a tx, with `@type` first. */
export const anyJson = (any: Any): Json => {
  try {
    if (any.typeUrl === BANK_SEND_TYPE_URL) {
      const m = BankMsgSend.decode(any.value);
      return {
        "@type": any.typeUrl,
        from_address: m.fromAddress,
        to_address: m.toAddress,
        amount: coins(m.amount),
      };
    }
    if (any.typeUrl === SECP256K1_PUBKEY_TYPE_URL)
      return { "@type": any.typeUrl, key: b64(Secp256k1PubKey.decode(any.value).key) };
    const schema = remesMsgs.get(any.typeUrl);
    if (schema)
      return {
        "@type": any.typeUrl,
        ...(toJson(schema, fromBinary(schema, any.value), PROTO_JSON) as { [k: string]: Json }),
      };
  } catch {
    // An Any we cannot decode: shown as its bytes below.
  }
  return { "@type": any.typeUrl, value: b64(any.value) };
};

/** cosmos.tx.v1beta1.Tx of raw tx bytes (TxRaw), or undefined when they are not a tx. */
export const txJson = (raw: Uint8Array): { [k: string]: Json } | undefined => {
  try {
    const r = TxRaw.decode(raw);
    const body = TxBody.decode(r.bodyBytes);
    const auth = AuthInfo.decode(r.authInfoBytes);
    return {
      body: {
        messages: body.messages.map(anyJson),
        memo: body.memo,
        timeout_height: body.timeoutHeight.toString(),
        extension_options: body.extensionOptions.map(anyJson),
        non_critical_extension_options: body.nonCriticalExtensionOptions.map(anyJson),
      },
      auth_info: {
        signer_infos: auth.signerInfos.map((s) => ({
          public_key: s.publicKey ? anyJson(s.publicKey) : null,
          mode_info: (s.modeInfo?.single
            ? { single: { mode: signModeToJSON(s.modeInfo.single.mode) } }
            : s.modeInfo?.multi
              ? { multi: { bitarray: null, mode_infos: [] } }
              : null) as Json,
          sequence: s.sequence.toString(),
        })),
        fee: auth.fee
          ? {
              amount: coins(auth.fee.amount),
              gas_limit: auth.fee.gasLimit.toString(),
              payer: auth.fee.payer,
              granter: auth.fee.granter,
            }
          : null,
        tip: null,
      },
      signatures: r.signatures.map(b64),
    };
  } catch {
    return undefined;
  }
};

/** ABCI events as CometBFT's RPC gives them (type, attributes key/value/index), normalised. */
export const eventsJson = (events: unknown): Json =>
  arr(events).map((e) => ({
    type: str(obj(e).type),
    attributes: arr(obj(e).attributes).map((a) => ({
      key: str(obj(a).key),
      value: str(obj(a).value),
      index: obj(a).index === true,
    })),
  }));

/** cosmos.base.abci.v1beta1.TxResponse of an RPC `tx` result (one of `tx_search`'s too) and its block's time. */
export const txResponseJson = (rpcTx: unknown, timestamp: string): Json => {
  const t = obj(rpcTx);
  const r = obj(t.tx_result);
  const raw = Buffer.from(str(t.tx), "base64");
  const tx = txJson(raw);
  return {
    height: str(t.height),
    txhash: str(t.hash).toUpperCase(),
    codespace: str(r.codespace),
    code: num(r.code),
    data: Buffer.from(str(r.data), "base64").toString("hex").toUpperCase(),
    raw_log: str(r.log),
    logs: [],
    info: str(r.info),
    gas_wanted: str(r.gas_wanted || "0"),
    gas_used: str(r.gas_used || "0"),
    tx: tx ? { "@type": "/cosmos.tx.v1beta1.Tx", ...tx } : null,
    timestamp,
    events: eventsJson(r.events),
  };
};

/** The TxResponse of a broadcast (CheckTx only: no height, gas or events yet, as the SDK's sync mode). */
export const broadcastResponseJson = (r: {
  code: number;
  codespace: string;
  log: string;
  hash: string;
  data?: string;
}): Json => ({
  height: "0",
  txhash: r.hash.toUpperCase(),
  codespace: r.codespace,
  code: r.code,
  data: Buffer.from(r.data ?? "", "base64")
    .toString("hex")
    .toUpperCase(),
  raw_log: r.log,
  logs: [],
  info: "",
  gas_wanted: "0",
  gas_used: "0",
  tx: null,
  timestamp: "",
  events: [],
});

const BLOCK_ID_FLAGS = [
  "BLOCK_ID_FLAG_UNKNOWN",
  "BLOCK_ID_FLAG_ABSENT",
  "BLOCK_ID_FLAG_COMMIT",
  "BLOCK_ID_FLAG_NIL",
];

const blockIdJson = (id: unknown): Json => {
  const b = obj(id);
  const parts = obj(b.parts ?? b.part_set_header);
  return {
    hash: hexToB64(b.hash),
    part_set_header: { total: num(parts.total), hash: hexToB64(parts.hash) },
  };
};

/** A consensus address (CometBFT hex) as the SDK's `…valcons1…` bech32. */
export const valconsAddress = (hex: string): string =>
  hex === ""
    ? ""
    : bech32.encode(`${BECH32_PREFIX}valcons`, bech32.toWords(Buffer.from(hex, "hex")));

const headerJson = (header: unknown, sdk: boolean): Json => {
  const h = obj(header);
  const v = obj(h.version);
  const hash = (k: string) => hexToB64(h[k]);
  return {
    version: { block: str(v.block || "0"), app: str(v.app || "0") },
    chain_id: str(h.chain_id),
    height: str(h.height),
    time: str(h.time),
    last_block_id: blockIdJson(h.last_block_id),
    last_commit_hash: hash("last_commit_hash"),
    data_hash: hash("data_hash"),
    validators_hash: hash("validators_hash"),
    next_validators_hash: hash("next_validators_hash"),
    consensus_hash: hash("consensus_hash"),
    app_hash: hash("app_hash"),
    last_results_hash: hash("last_results_hash"),
    evidence_hash: hash("evidence_hash"),
    proposer_address: sdk ? valconsAddress(str(h.proposer_address)) : hash("proposer_address"),
  };
};

/** tendermint.types.Block (or, `sdk`, cosmos.base.tendermint.v1beta1.Block: a bech32 proposer) of an RPC block. */
export const blockJson = (block: unknown, sdk: boolean): Json => {
  const b = obj(block);
  const c = obj(b.last_commit);
  return {
    header: headerJson(b.header, sdk),
    data: { txs: arr(obj(b.data).txs).map(str) },
    evidence: { evidence: arr(obj(b.evidence).evidence) as Json[] },
    last_commit: {
      height: str(c.height || "0"),
      round: num(c.round),
      block_id: blockIdJson(c.block_id),
      signatures: arr(c.signatures).map((s) => {
        const sig = obj(s);
        return {
          block_id_flag: BLOCK_ID_FLAGS[num(sig.block_id_flag)] ?? "BLOCK_ID_FLAG_UNKNOWN",
          validator_address: hexToB64(sig.validator_address),
          timestamp: str(sig.timestamp),
          signature: typeof sig.signature === "string" ? sig.signature : null,
        };
      }),
    },
  };
};

/** GetLatestBlockResponse / GetBlockByHeightResponse of an RPC `block` result. */
export const blockResponseJson = (result: unknown): Json => {
  const r = obj(result);
  return {
    block_id: blockIdJson(r.block_id),
    block: blockJson(r.block, false),
    sdk_block: blockJson(r.block, true),
  };
};

/** GetNodeInfoResponse of RPC `status` and `abci_info` results. */
export const nodeInfoJson = (status: unknown, abciInfo: unknown): Json => {
  const n = obj(obj(status).node_info);
  const p = obj(n.protocol_version);
  const other = obj(n.other);
  const app = obj(obj(abciInfo).response);
  return {
    default_node_info: {
      protocol_version: {
        p2p: str(p.p2p || "0"),
        block: str(p.block || "0"),
        app: str(p.app || "0"),
      },
      default_node_id: str(n.id),
      listen_addr: str(n.listen_addr),
      network: str(n.network),
      version: str(n.version),
      channels: hexToB64(n.channels),
      moniker: str(n.moniker),
      other: { tx_index: str(other.tx_index), rpc_address: str(other.rpc_address) },
    },
    application_version: {
      name: str(app.data || "r3mes"),
      app_name: str(app.data || "r3mes"),
      version: str(app.version),
      git_commit: "",
      build_tags: "",
      go_version: "",
      build_deps: [],
      cosmos_sdk_version: "",
    },
  };
};

/** GetLatestValidatorSetResponse / GetValidatorSetByHeightResponse of an RPC `validators` result. */
export const validatorSetJson = (result: unknown): Json => {
  const r = obj(result);
  return {
    block_height: str(r.block_height || "0"),
    validators: arr(r.validators).map((v) => {
      const x = obj(v);
      const key = obj(x.pub_key);
      return {
        address: valconsAddress(str(x.address)),
        pub_key:
          key.type === "tendermint/PubKeyEd25519"
            ? { "@type": "/cosmos.crypto.ed25519.PubKey", key: str(key.value) }
            : key.type === "tendermint/PubKeySecp256k1"
              ? { "@type": "/cosmos.crypto.secp256k1.PubKey", key: str(key.value) }
              : null,
        voting_power: str(x.voting_power || "0"),
        proposer_priority: str(x.proposer_priority || "0"),
      };
    }),
    pagination: { next_key: null, total: str(r.total || "0") },
  };
};
