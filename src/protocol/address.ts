/**
 * Account addresses, one rule for both runtimes: a valid address is the
 * bech32 (BIP-173, not bech32m) encoding, prefix `remes`, of exactly 20
 * bytes (the node derives them as ripemd160(sha256(compressed secp256k1
 * key)), as the Cosmos SDK does), written in lower case, with a valid
 * checksum and nothing around it (no spaces).
 *
 * BIP-173 also allows the all-uppercase form of the same address. We refuse
 * it rather than normalise: accounts are keyed by the exact string, so an
 * uppercase spelling would otherwise be a second account that strands what
 * is sent to it. One spelling per account, and a client sees the error
 * instead of losing funds.
 *
 * `decide` (machine.ts) checks every address field of every command with
 * `addressFieldsOf`, so the simulator and the node refuse the same txs
 * (ProtocolError `invalidAddress`).
 */
import { bech32 } from "@scure/base";
import { sha256 } from "@noble/hashes/sha2.js";
import { utf8ToBytes } from "@noble/hashes/utils.js";
import type { ProtocolCommand } from "./commands.ts";

export const ADDRESS_PREFIX = "remes";
export const ADDRESS_BYTES = 20;
/** "remes" + "1" + 32 data characters (20 bytes) + 6 checksum characters. */
export const ADDRESS_LENGTH = ADDRESS_PREFIX.length + 1 + Math.ceil((ADDRESS_BYTES * 8) / 5) + 6;

const CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
const CHARSET_CODES = Uint8Array.from(CHARSET, (c) => c.charCodeAt(0));
const GENERATOR = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
/** One step of BIP-173's checksum (polymod) over a 5-bit value. */
const polymodStep = (chk: number, v: number): number => {
  const b = chk >>> 25;
  chk = ((chk & 0x1ffffff) << 5) ^ v;
  for (let i = 0; i < 5; i++) if ((b >>> i) & 1) chk ^= GENERATOR[i]!;
  return chk;
};
/** The checksum state after the prefix's expansion (the same for every address). */
const PREFIX_CHECKSUM = (() => {
  let chk = 1;
  for (const c of ADDRESS_PREFIX) chk = polymodStep(chk, c.charCodeAt(0) >>> 5);
  chk = polymodStep(chk, 0);
  for (const c of ADDRESS_PREFIX) chk = polymodStep(chk, c.charCodeAt(0) & 31);
  return chk;
})();
/** The address's character codes as it is built: reused, one string made per address. */
const addressChars: number[] = Array.from(`${ADDRESS_PREFIX}1`.padEnd(ADDRESS_LENGTH), (c) =>
  c.charCodeAt(0),
);

/**
 * The address of 20 bytes: bech32 (BIP-173) as @scure/base's `bech32.encode`
 * writes it (a property test holds the two equal), without its word array,
 * its prefix expansion per call and its string joins.
 */
export const addressOfBytes = (bytes: Uint8Array): string => {
  if (bytes.length !== ADDRESS_BYTES)
    throw new Error(`an address holds ${ADDRESS_BYTES} bytes, got ${bytes.length}`);
  let chk = PREFIX_CHECKSUM;
  let at = ADDRESS_PREFIX.length + 1;
  // 20 bytes are 32 words of 5 bits exactly: 5 bytes (40 bits) → 8 words, four times.
  for (let i = 0; i < ADDRESS_BYTES; i += 5) {
    const hi = (bytes[i]! << 12) | (bytes[i + 1]! << 4) | (bytes[i + 2]! >>> 4); // 20 bits
    const lo = ((bytes[i + 2]! & 15) << 16) | (bytes[i + 3]! << 8) | bytes[i + 4]!; // 20 bits
    for (let j = 15; j >= 0; j -= 5) {
      const w = (hi >>> j) & 31;
      chk = polymodStep(chk, w);
      addressChars[at++] = CHARSET_CODES[w]!;
    }
    for (let j = 15; j >= 0; j -= 5) {
      const w = (lo >>> j) & 31;
      chk = polymodStep(chk, w);
      addressChars[at++] = CHARSET_CODES[w]!;
    }
  }
  for (let i = 0; i < 6; i++) chk = polymodStep(chk, 0);
  chk ^= 1;
  for (let i = 0; i < 6; i++) addressChars[at++] = CHARSET_CODES[(chk >>> (5 * (5 - i))) & 31]!;
  return String.fromCharCode.apply(null, addressChars);
};

/**
 * A valid address for a readable label (the simulator's actors, tests):
 * bech32 of the first 20 bytes of sha256(label). Deterministic; nobody
 * holds its key, which the labels mode never needs.
 */
export const labelAddress = (label: string): string =>
  addressOfBytes(sha256(utf8ToBytes(label)).subarray(0, ADDRESS_BYTES));

/**
 * Addresses already found valid. @scure/base's decoding costs ~3 µs, as much
 * as deciding and applying a whole command, and the same few thousand
 * actors' addresses come back in every block; a hit costs a Set lookup. A
 * pure function's memo, so no effect on determinism; bounded (cleared when
 * full) so a flood of fresh addresses cannot grow it.
 */
const known = new Set<string>();
const KNOWN_MAX = 1 << 16;

/** Why `s` is not a valid address, or undefined when it is one. */
export const addressProblem = (s: string): string | undefined => {
  if (known.has(s)) return undefined;
  const problem = decodeProblem(s);
  if (problem === undefined) {
    if (known.size >= KNOWN_MAX) known.clear();
    known.add(s);
  }
  return problem;
};

const decodeProblem = (s: string): string | undefined => {
  // Cheap checks first: the length is fixed, and lower case is our rule (bech32 alone would accept all-uppercase).
  if (s.length !== ADDRESS_LENGTH)
    return `must be ${ADDRESS_LENGTH} characters, a ${ADDRESS_PREFIX}1… bech32 address`;
  if (s !== s.toLowerCase()) return "must be in lower case";
  try {
    const { prefix, words } = bech32.decode(s as `${string}1${string}`, ADDRESS_LENGTH);
    if (prefix !== ADDRESS_PREFIX) return `must have the prefix "${ADDRESS_PREFIX}"`;
    if (bech32.fromWords(words).length !== ADDRESS_BYTES) return `must hold ${ADDRESS_BYTES} bytes`;
    return undefined;
  } catch (e) {
    return `is not valid bech32 (${e instanceof Error ? e.message : String(e)})`;
  }
};

export const isAddress = (s: string): boolean => addressProblem(s) === undefined;

/**
 * The first address field of the command that is no valid address, as
 * `field "address" problem` (the field named as the proto spells it), or
 * undefined. Every field that names an account is checked, in order; one
 * switch, no list built per command (decide checks every command).
 */
export const addressFieldsProblem = (cmd: ProtocolCommand): string | undefined => {
  switch (cmd.case) {
    case "send":
      return (
        fieldProblem("from_address", cmd.value.fromAddress) ??
        fieldProblem("to_address", cmd.value.toAddress)
      );
    case "registerMiner":
    case "submitGradient":
    case "commitGradient":
    case "proveAvailability":
      return fieldProblem("miner", cmd.value.miner);
    case "registerValidator":
    case "voteLossCheck":
    case "submitArbitrationVerdict":
    case "commitTrapJobs":
    case "revealTrapJobs":
      return fieldProblem("validator", cmd.value.validator);
    case "registerProposer":
    case "commitAggregation":
    case "submitAggregation":
      return fieldProblem("proposer", cmd.value.proposer);
    case "registerServingNode":
      return fieldProblem("operator", cmd.value.operator);
    case "bond":
    case "unbond":
      return fieldProblem("address", cmd.value.address);
    case "challengeGradient":
    case "challengeAggregation":
    case "challengeAvailability":
      return fieldProblem("challenger", cmd.value.challenger);
    case "vote":
      return fieldProblem("voter", cmd.value.voter);
    case "submitProposal": {
      const k = cmd.value.content?.kind;
      return (
        fieldProblem("proposer", cmd.value.proposer) ??
        (k?.case === "proposerAuthorization"
          ? fieldProblem("content.proposer_authorization.address", k.value.address)
          : undefined)
      );
    }
    default:
      return absurd(cmd);
  }
};

/** "field "address" problem" for one address field, or undefined when it is a valid address. */
const fieldProblem = (field: string, address: string): string | undefined => {
  const problem = addressProblem(address);
  return problem === undefined ? undefined : `${field} "${address.slice(0, 100)}" ${problem}`;
};

const absurd = (_: never): never => {
  throw new Error("unreachable command case");
};
