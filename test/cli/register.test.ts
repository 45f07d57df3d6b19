/** `r3mes validator register` reads the node's consensus key as CometBFT writes it and proves possession of it. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ed25519 } from "@noble/curves/ed25519.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { consensusKeyOf } from "../../src/cli/commands/register.ts";
import { popMessage, signPop } from "../../src/protocol/consensus-keys.ts";

const withHome = <T>(f: (home: string) => T): T => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "r3mes-register-"));
  try {
    fs.mkdirSync(path.join(home, "config"));
    return f(home);
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
};
const writeKey = (home: string, key: unknown) =>
  fs.writeFileSync(path.join(home, "config/priv_validator_key.json"), JSON.stringify(key));

describe("the consensus key of validator register", () => {
  it("is the seed and public key of CometBFT's priv_validator_key.json, and its proof of possession verifies", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (seed) =>
        withHome((home) => {
          const pub = ed25519.getPublicKey(seed);
          writeKey(home, {
            address: "AB".repeat(20),
            pub_key: {
              type: "tendermint/PubKeyEd25519",
              value: Buffer.from(pub).toString("base64"),
            },
            priv_key: {
              type: "tendermint/PrivKeyEd25519",
              value: Buffer.concat([seed, pub]).toString("base64"),
            },
          });
          const key = consensusKeyOf(home);
          expect(Buffer.from(key.pubkey).equals(Buffer.from(pub))).toBe(true);
          const operator = "remes10qc307r2h8dvuuvegaxk5pth0uffhl453w78yf";
          expect(ed25519.verify(signPop(key.secret, operator), popMessage(operator), pub)).toBe(
            true,
          );
        }),
      ),
      { numRuns: 20 },
    );
  });

  it("refuses a home without the key file and a key that is not ed25519", () => {
    withHome((home) => {
      expect(() => consensusKeyOf(home)).toThrow(/cannot read .*priv_validator_key.json/);
      writeKey(home, {
        address: "AB".repeat(20),
        pub_key: { type: "tendermint/PubKeySecp256k1", value: "" },
        priv_key: { type: "tendermint/PrivKeySecp256k1", value: "" },
      });
      expect(() => consensusKeyOf(home)).toThrow(/consensus keys are ed25519/);
    });
  });
});
