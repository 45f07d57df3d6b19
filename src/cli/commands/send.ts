/**
 * `r3mes send --from NAME --to ADDR --amount N[remes]`: transfer REMES from a
 * key of the keyring (MsgSend, src/protocol/ledger.ts). The address and the
 * amount are checked before the keyring is opened, the sender's balance
 * (amount plus fee) before anything is signed, so each mistake is named
 * plainly instead of as a refused tx.
 */
import { Effect } from "effect";
import { Command, Flag } from "effect/cli";
import { command } from "../../protocol/commands.ts";
import { checkAddress } from "../../protocol/ledger.ts";
import { UREMES_PER_REMES } from "../../protocol/params.ts";
import { userFailure } from "../errors.ts";
import { broadcastTx, cliTxFee, txFlags } from "./tx.ts";

const DECIMALS = 6; // 1 REMES = 10^6 uremes

/** "12", "12remes", "0.5remes" (up to 6 decimals) or "1500uremes" → uremes; throws saying what it takes. */
export const parseAmount = (text: string): bigint => {
  const t = text.trim().toLowerCase();
  const base = /^(\d{1,19})uremes$/.exec(t);
  const remes = /^(\d{1,13})(?:\.(\d{1,6}))?(?:remes)?$/.exec(t);
  const u = base
    ? BigInt(base[1]!)
    : remes
      ? BigInt(remes[1]!) * UREMES_PER_REMES + BigInt((remes[2] ?? "").padEnd(DECIMALS, "0"))
      : undefined;
  if (u === undefined)
    throw new Error(
      `--amount ${text}: give REMES as a number with up to ${DECIMALS} decimals (e.g. 12, 12remes, 0.5remes) or whole uremes (e.g. 1500uremes)`,
    );
  if (u === 0n) throw new Error(`--amount ${text}: must be more than 0`);
  return u;
};

/** uremes as REMES, without trailing zeros ("1.5", "12"). */
export const formatRemes = (u: bigint): string => {
  const whole = u / UREMES_PER_REMES;
  const frac = (u % UREMES_PER_REMES).toString().padStart(DECIMALS, "0").replace(/0+$/, "");
  return frac ? `${whole}.${frac}` : `${whole}`;
};

export const sendCommand = Command.make(
  "send",
  {
    ...txFlags("Name of the key that pays, in the encrypted keyring"),
    to: Flag.String("to").pipe(Flag.withDescription("Address to pay (remes1…)")),
    amount: Flag.String("amount").pipe(
      Flag.withDescription("REMES to send: 12, 12remes, 0.5remes, or whole uremes as 1500uremes"),
    ),
  },
  (f) =>
    Effect.tryPromise({
      try: async () => {
        const bad = checkAddress("--to", f.to);
        if (bad) throw new Error(bad.message);
        const amount = parseAmount(f.amount);
        const r = await broadcastTx(
          f,
          "transfer",
          (address) => command("send", { fromAddress: address, toAddress: f.to, amount }),
          async (client, address) => {
            const held = BigInt((await client.getBalance(address, "uremes")).amount);
            if (held < amount + cliTxFee)
              throw new Error(
                `insufficient funds: ${f.from} (${address}) holds ${formatRemes(held)} REMES; sending ${formatRemes(amount)} REMES takes ${formatRemes(amount + cliTxFee)} with the fee of ${formatRemes(cliTxFee)}`,
              );
          },
        );
        console.log(
          `sent ${formatRemes(amount)} REMES from ${f.from} (${r.address}) to ${f.to} at height ${r.height} (tx ${r.tx}); fee ${formatRemes(cliTxFee)} REMES`,
        );
      },
      catch: userFailure("send"),
    }),
).pipe(
  Command.withDescription("Send REMES from a key of the keyring to an address"),
  Command.withExamples([
    {
      command: "r3mes send --from op --to remes1… --amount 250",
      description: "Pay 250 REMES from key op, through the node at 127.0.0.1:26657",
    },
  ]),
);
