/**
 * Addresses (src/protocol/address.ts): `decide` refuses any command whose
 * address fields are not lower-case `remes1…` bech32 addresses of 20 bytes,
 * so funds cannot be sent to a string nobody can sign for, in either
 * runtime.
 */
import { bech32, bech32m } from "@scure/base";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ProposerAuthorizationProposalSchema } from "../../src/gen/remes/v1/types_pb.ts";
import { create } from "@bufbuild/protobuf";
import {
  ADDRESS_LENGTH,
  addressOfBytes,
  isAddress,
  labelAddress,
} from "../../src/protocol/address.ts";
import { command } from "../../src/protocol/commands.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { balance, given, REMES, rejected } from "./given.ts";

const alice = labelAddress("alice");
const bob = labelAddress("bob");
const world = () => given({ accounts: { [alice]: 1_000n, [bob]: 10n } });

/** The same 20 bytes as `bob`, spelled some other way. */
const bobBytes = bech32.fromWords(bech32.decode(bob as `${string}1${string}`).words);
const notAddresses: [string, string][] = [
  ["a made-up name", "hello-world"],
  ["a label that looks like one", "remes1bob"],
  ["another chain's prefix", bech32.encode("cosmos", bech32.toWords(bobBytes))],
  ["a bad checksum", bob.slice(0, -1) + (bob.endsWith("q") ? "p" : "q")],
  ["a leading space", ` ${bob}`],
  ["a trailing newline", `${bob}\n`],
  ["the all-uppercase spelling", bob.toUpperCase()],
  ["mixed case", bob.slice(0, 10) + bob.slice(10).toUpperCase()],
  ["32 bytes of data", bech32.encode("remes", bech32.toWords(new Uint8Array(32).fill(7)))],
  ["bech32m instead of bech32", bech32m.encode("remes", bech32m.toWords(bobBytes))],
  ["the empty string", ""],
  ["a module account", "module:fee_collector"],
];

describe("addresses", () => {
  it("a send to anything but a remes bech32 address is refused and moves nothing", () => {
    for (const [what, to] of notAddresses) {
      const chain = world();
      const err = rejected(
        chain,
        command("send", { fromAddress: alice, toAddress: to, amount: 1n }),
        "invalidAddress",
      );
      expect(err.code, what).toBe(ErrorCode.invalidAddress);
      expect(err.message, what).toMatch(/^to_address /);
      expect(balance(chain, alice)).toBe(1_000n * REMES);
    }
  });

  it("every command's signer field is checked, and a proposer authorization's address", () => {
    const chain = world();
    const upper = alice.toUpperCase();
    rejected(
      chain,
      command("send", { fromAddress: upper, toAddress: bob, amount: 1n }),
      "invalidAddress",
    );
    rejected(
      chain,
      command("registerMiner", { miner: "remes1miner0", stake: 1n }),
      "invalidAddress",
    );
    rejected(chain, command("bond", { address: upper, amount: 1n }), "invalidAddress");
    rejected(chain, command("vote", { voter: "x", proposalId: 0 }), "invalidAddress");
    const content = {
      title: "t",
      description: "d",
      kind: {
        case: "proposerAuthorization" as const,
        value: create(ProposerAuthorizationProposalSchema, {
          address: "remes1nobody",
          authorized: true,
        }),
      },
    };
    const err = rejected(
      chain,
      command("submitProposal", { proposer: alice, content, deposit: 1n }),
      "invalidAddress",
    );
    expect(err.message).toMatch(/proposer_authorization\.address/);
  });

  it("property: addressOfBytes writes what @scure/base's bech32 encoder writes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), (b) => {
        expect(addressOfBytes(b)).toBe(bech32.encode("remes", bech32.toWords(b)));
      }),
      { numRuns: 5000 },
    );
    for (const fill of [0, 255])
      expect(addressOfBytes(new Uint8Array(20).fill(fill))).toBe(
        bech32.encode("remes", bech32.toWords(new Uint8Array(20).fill(fill))),
      );
    expect(() => addressOfBytes(new Uint8Array(19))).toThrow(/20 bytes/);
  });

  it("a valid address goes through", () => {
    const chain = world();
    const r = chain.exec(command("send", { fromAddress: alice, toAddress: bob, amount: 1n }));
    expect(r.txResults[0]!.code).toBe(0);
    expect(balance(chain, bob)).toBe(10n * REMES + 1n);
  });

  it("property: any 20 bytes make a valid address; one changed character or the uppercase spelling does not", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 20, maxLength: 20 }),
        fc.nat(),
        fc.constantFrom(..."qpzry9x8gf2tvdw0s3jn54khce6mua7l"),
        (bytes, at, c) => {
          const a = addressOfBytes(bytes);
          expect(a).toHaveLength(ADDRESS_LENGTH);
          expect(isAddress(a)).toBe(true);
          expect(isAddress(a.toUpperCase())).toBe(false);
          const i = 6 + (at % (a.length - 6));
          const changed = a.slice(0, i) + c + a.slice(i + 1);
          // bech32's checksum detects any single substitution.
          expect(isAddress(changed)).toBe(changed === a);
        },
      ),
    );
  });

  it("labelAddress is deterministic and valid", () => {
    expect(labelAddress("alice")).toBe(alice);
    expect(labelAddress("alice")).not.toBe(bob);
    expect(isAddress(alice)).toBe(true);
  });
});
