/**
 * `r3mes validator register` and `r3mes miner register`: bond a stake for a
 * key of the keyring (--from NAME). A validator also names its node's
 * ed25519 consensus key (HOME/config/priv_validator_key.json) and proves it
 * holds it (the proof of possession, src/protocol/consensus-keys.ts); CometBFT
 * gives the key power two blocks after the registration's block.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Effect, Option } from "effect";
import { Command, Flag } from "effect/cli";
import { GpuArch } from "../../gen/remes/v1/types_pb.ts";
import { daemonTxFee } from "../../actors/live/broadcaster.ts";
import { command, type ProtocolCommand } from "../../protocol/commands.ts";
import { signPop } from "../../protocol/consensus-keys.ts";
import { UREMES_PER_REMES } from "../../protocol/params.ts";
import { encodeObject, remesRegistry } from "../../node/registry.ts";
import { userFailure } from "../errors.ts";
import { keyringFlags, signerFrom } from "./keys.ts";

const flags = {
  rpc: Flag.String("rpc").pipe(
    Flag.withDescription("CometBFT RPC of a node of the network"),
    Flag.withDefault("http://127.0.0.1:26657"),
  ),
  from: Flag.String("from").pipe(
    Flag.withDescription("Name of the key that registers and bonds, in the encrypted keyring"),
  ),
  ...keyringFlags,
  stake: Flag.Int("stake").pipe(
    Flag.withDescription("Stake to bond, in REMES (at least the network's minimum for the role)"),
  ),
};

/** Signs one command with key `from` of the keyring, broadcasts it and waits for its block (also `r3mes gov`). */
export const send = async (
  f: {
    rpc: string;
    from: string;
    keyringDir: Option.Option<string>;
    passphraseFile: Option.Option<string>;
  },
  make: (address: string) => ProtocolCommand,
  what = "registration",
) => {
  const { wallet, address } = await signerFrom(f.from, f);
  const { SigningStargateClient } = await import("@cosmjs/stargate");
  const client = await SigningStargateClient.connectWithSigner(f.rpc, wallet, {
    registry: remesRegistry(),
  });
  try {
    const res = await client.signAndBroadcast(address, [encodeObject(make(address))], daemonTxFee);
    if (res.code !== 0)
      throw new Error(`the chain rejected the ${what} (code ${res.code}): ${res.rawLog ?? ""}`);
    return { address, height: res.height, tx: res.transactionHash, events: res.events };
  } finally {
    client.disconnect();
  }
};

/** The node's consensus key as CometBFT writes it: priv_key is the 32-byte ed25519 seed, then the public key. */
export const consensusKeyOf = (home: string) => {
  const file = path.join(home, "config", "priv_validator_key.json");
  let key: {
    address: string;
    pub_key: { type: string; value: string };
    priv_key: { value: string };
  };
  try {
    key = JSON.parse(fs.readFileSync(file, "utf8")) as typeof key;
  } catch (e) {
    throw new Error(
      `--home ${home}: cannot read ${file} (${e instanceof Error ? e.message : String(e)}); is it the home of 'r3mes node init'?`,
    );
  }
  if (key.pub_key.type !== "tendermint/PubKeyEd25519")
    throw new Error(
      `${file}: an ${key.pub_key.type} key; the network's consensus keys are ed25519`,
    );
  return {
    address: key.address,
    pubkey: Buffer.from(key.pub_key.value, "base64"),
    secret: Buffer.from(key.priv_key.value, "base64").subarray(0, 32),
  };
};

export const validatorRegister = Command.make(
  "register",
  {
    ...flags,
    home: Flag.String("home").pipe(
      Flag.withDescription(
        "Home of this validator's node: its consensus key is HOME/config/priv_validator_key.json",
      ),
    ),
  },
  (f) =>
    Effect.tryPromise({
      try: async () => {
        const key = consensusKeyOf(f.home);
        const r = await send(f, (address) =>
          command("registerValidator", {
            validator: address,
            stake: BigInt(f.stake) * UREMES_PER_REMES,
            pubkey: key.pubkey,
            popSignature: signPop(key.secret, address),
          }),
        );
        console.log(
          `registered ${r.address} as a validator with ${f.stake} REMES at height ${r.height} (tx ${r.tx})\n  consensus key ${key.pubkey.toString("base64")} (CometBFT address ${key.address}): it gets ${f.stake} voting power at height ${r.height + 2}`,
        );
      },
      catch: userFailure("validator register"),
    }),
).pipe(
  Command.withDescription(
    "Register the key as a validator, bonding a stake, with the node's consensus key and its proof of possession; the node then signs blocks",
  ),
  Command.withExamples([
    {
      command: "r3mes validator register --home ./node --from op --stake 20000",
      description: "Bond 20,000 REMES of key op for the node in ./node",
    },
  ]),
);

const archNames = Object.keys(GpuArch).filter(
  (k) => Number.isNaN(Number(k)) && k !== "UNSPECIFIED",
);

export const minerRegister = Command.make(
  "register",
  {
    ...flags,
    gpuArch: Flag.String("gpu-arch").pipe(
      Flag.withDescription(`GPU architecture the miner trains on: ${archNames.join(", ")}`),
      Flag.withDefault("AMPERE"),
    ),
  },
  (f) =>
    Effect.tryPromise({
      try: async () => {
        const arch = GpuArch[f.gpuArch as keyof typeof GpuArch];
        if (typeof arch !== "number" || arch === GpuArch.UNSPECIFIED)
          throw new Error(`--gpu-arch ${f.gpuArch}: one of ${archNames.join(", ")}`);
        const r = await send(f, (address) =>
          command("registerMiner", {
            miner: address,
            stake: BigInt(f.stake) * UREMES_PER_REMES,
            gpuArch: arch,
          }),
        );
        console.log(
          `registered ${r.address} as a miner (${f.gpuArch}) with ${f.stake} REMES at height ${r.height} (tx ${r.tx})`,
        );
      },
      catch: userFailure("miner register"),
    }),
).pipe(Command.withDescription("Register the key as a miner, bonding a stake"));
