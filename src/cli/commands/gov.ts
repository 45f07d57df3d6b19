/**
 * `r3mes gov submit-upgrade|vote`: the two governance txs of a software
 * upgrade (docs/operators.md, "Upgrades"), signed with a key of the
 * keyring (--from NAME) as `register` does. Other proposal kinds go through
 * any Cosmos client (`/remes.remes.v1.MsgSubmitProposal`).
 */
import { create } from "@bufbuild/protobuf";
import { Effect } from "effect";
import { Command, Flag } from "effect/cli";
import { ProposalContentSchema, VoteOption } from "../../gen/remes/v1/types_pb.ts";
import { command } from "../../protocol/commands.ts";
import { UREMES_PER_REMES } from "../../protocol/params.ts";
import { userFailure } from "../errors.ts";
import { broadcastTx, txFlags } from "./tx.ts";

const common = txFlags("Name of the key that signs, in the encrypted keyring");

/** The id of the proposal a submit tx made: its `remes.proposalSubmitted` event (proposalId 0 is left out, as protobuf JSON does). */
export const proposalIdOf = (
  events: readonly { type: string; attributes: readonly { key: string; value: string }[] }[],
): string | undefined => {
  const e = events.find((x) => x.type === "remes.proposalSubmitted");
  if (e === undefined) return undefined;
  return e.attributes.find((a) => a.key === "proposalId")?.value ?? "0";
};

const submitUpgrade = Command.make(
  "submit-upgrade",
  {
    ...common,
    name: Flag.String("name").pipe(
      Flag.withDescription(
        "Upgrade name (1..64 letters, digits, '.', '_', '-', '+', e.g. v0.2.0): the new release's handler is registered under it",
      ),
    ),
    height: Flag.Int("height").pipe(
      Flag.withDescription(
        "Height at which every node halts unless it runs a version with the handler; after the voting period ends",
      ),
    ),
    info: Flag.String("info").pipe(
      Flag.withDescription("Free text for operators: where to get the new version"),
      Flag.withDefault(""),
    ),
    title: Flag.String("title").pipe(
      Flag.withDescription("Proposal title (default: 'software upgrade NAME')"),
      Flag.withDefault(""),
    ),
    deposit: Flag.Int("deposit").pipe(
      Flag.withDescription(
        "Deposit in REMES (at least the network's deposit_software_upgrade; 1000 by default)",
      ),
      Flag.withDefault(1000),
    ),
  },
  (f) =>
    Effect.tryPromise({
      try: async () => {
        const r = await broadcastTx(f, "proposal", (address) =>
          command("submitProposal", {
            proposer: address,
            content: create(ProposalContentSchema, {
              title: f.title || `software upgrade ${f.name}`,
              kind: {
                case: "softwareUpgrade",
                value: { name: f.name, height: BigInt(f.height), info: f.info },
              },
            }),
            deposit: BigInt(f.deposit) * UREMES_PER_REMES,
          }),
        );
        console.log(
          `submitted proposal ${proposalIdOf(r.events) ?? "?"}: software upgrade ${f.name} at height ${f.height}, deposit ${f.deposit} REMES from ${r.address}, at height ${r.height} (tx ${r.tx})`,
        );
      },
      catch: userFailure("gov submit-upgrade"),
    }),
).pipe(
  Command.withDescription(
    "Propose a software upgrade: if it passes, every node halts at --height until it runs a version that has the upgrade NAME",
  ),
  Command.withExamples([
    {
      command:
        "r3mes gov submit-upgrade --from op --name v0.2.0 --height 120000 --info 'r3mes 0.2.0'",
      description: "Schedule upgrade v0.2.0 at height 120000, if the vote passes",
    },
  ]),
);

const options: Record<string, VoteOption> = {
  yes: VoteOption.YES,
  no: VoteOption.NO,
  abstain: VoteOption.ABSTAIN,
  no_with_veto: VoteOption.NO_WITH_VETO,
};

const vote = Command.make(
  "vote",
  {
    ...common,
    proposal: Flag.Int("proposal").pipe(Flag.withDescription("Proposal id")),
    option: Flag.String("option").pipe(
      Flag.withDescription(`Vote: ${Object.keys(options).join(", ")}`),
    ),
  },
  (f) =>
    Effect.tryPromise({
      try: async () => {
        const option = options[f.option];
        if (option === undefined)
          throw new Error(`--option ${f.option}: one of ${Object.keys(options).join(", ")}`);
        const r = await broadcastTx(f, "vote", (address) =>
          command("vote", { voter: address, proposalId: f.proposal, option }),
        );
        console.log(
          `voted ${f.option} on proposal ${f.proposal} as ${r.address} at height ${r.height} (tx ${r.tx})`,
        );
      },
      catch: userFailure("gov vote"),
    }),
).pipe(
  Command.withDescription(
    "Vote on a proposal with the key's bonded stake (validators, miners, proposers and serving nodes vote)",
  ),
);

export const govCommand = Command.make("gov").pipe(
  Command.withDescription(
    "Governance txs: propose a software upgrade and vote on proposals (signed with --from NAME)",
  ),
  Command.withSubcommands([submitUpgrade, vote]),
);
