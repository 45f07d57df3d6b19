/**
 * An address: the miner / validator / proposer console — balance, roles
 * and stake, pending unbondings, the current task (shard), submissions,
 * earnings, slashes, disputes it sits on, and its txs.
 */
import { api, apiOrNone } from "../api.ts";
import { addr, atHeight, col, enumLabel, heightLink, type View, windowLink } from "../common.ts";
import { facts, h, section, table } from "../dom.ts";
import type { ChainEvent } from "../events.ts";
import { list, micro, remes, short } from "../format.ts";
import { eventTable } from "./events-table.ts";

/** What an address earned in these events, by kind (uremes). */
export const earnings = (address: string, events: readonly ChainEvent[]): Map<string, bigint> => {
  const out = new Map<string, bigint>();
  const add = (k: string, v: string | undefined) =>
    out.set(k, (out.get(k) ?? 0n) + BigInt(v ?? "0"));
  for (const e of events) {
    if (e.type === "rewardMinted" && e.attrs.to === address)
      add(enumLabel(e.attrs.kind ?? "reward"), e.attrs.amount);
    else if (e.type === "verifierPaid" && e.attrs.validator === address)
      add("verifier pay", e.attrs.amount);
    else if (e.type === "disputeResolved" && e.attrs.winner === address)
      add("dispute winnings", e.attrs.toWinner);
    else if (e.type === "slashed" && e.attrs.beneficiary === address)
      add("slash share", e.attrs.toBeneficiary);
    else if (e.type === "validatorPayAccrued" && e.attrs.proposer === address) {
      add("validator pay", e.attrs.minted);
      add("validator pay", e.attrs.fees);
    }
  }
  return out;
};

/** What an address was called to do (or did) in an event. */
const duty = (e: ChainEvent): string => {
  switch (e.type) {
    case "aggregationProposerSelected":
      return "aggregation proposer";
    case "lossVoteCast":
      return `tier-2 loss vote, dispute ${e.attrs.disputeId}`;
    case "arbitrationVerdictCast":
      return `tier-3 verdict, dispute ${e.attrs.disputeId}`;
    case "trapCommitmentApproved":
      return "trap commitment approved";
    default:
      return `panel of dispute ${e.attrs.disputeId}`;
  }
};

export const address: View = {
  title: "Address",
  live: true,
  render: async (c) => {
    const a = String(c.params[0] ?? "");
    const search = (query: string) =>
      api(
        `/cosmos/tx/v1beta1/txs?query=${encodeURIComponent(query)}&order_by=ORDER_BY_DESC&limit=20`,
      ).catch(() => ({ tx_responses: [] }));
    const [roles, account, txs, received] = await Promise.all([
      api(`/remes/remes/v1/address_roles/${a}`),
      apiOrNone(`/cosmos/auth/v1beta1/accounts/${a}`),
      search(`message.sender='${a}'`),
      // Sends to it (the Cosmos SDK's bank events; rewards and stake returns are in the protocol's events above).
      search(`transfer.recipient='${a}'`),
    ]);
    const all = c.store.of(
      "gradientSubmitted",
      "rewardMinted",
      "verifierPaid",
      "disputeResolved",
      "slashed",
      "disputeOpened",
      "disputeEscalated",
      "panelRedrawn",
      "aggregationProposerSelected",
      "lossVoteCast",
      "arbitrationVerdictCast",
      "trapCommitmentApproved",
      "validatorPayAccrued",
    );
    const earned = earnings(a, all);
    const panels = all.filter(
      (e) =>
        (e.type === "disputeOpened" ||
          e.type === "disputeEscalated" ||
          e.type === "panelRedrawn") &&
        list(e.attrs.panel).includes(a),
    );
    const staked = (roles.roles as any[]).reduce((t, r) => t + BigInt(r.stake), 0n);
    return h(
      "div",
      {},
      h("h1", {}, "Address ", h("code", {}, a)),
      facts([
        ["balance", "Balance", remes(roles.balance)],
        ["staked", "Staked", remes(staked)],
        [
          "roles",
          "Roles",
          (roles.roles as any[]).map((r) => enumLabel(r.role)).join(", ") || "none",
        ],
        ["sequence", "Txs sent (sequence)", account ? String(account.account.sequence) : "0"],
        [
          "task",
          "Current task",
          roles.assigned
            ? ["shard ", String(roles.shard), " of window ", windowLink(roles.window)]
            : "none assigned",
        ],
      ]),
      section(
        "Roles and stake",
        table(
          ["role", "stake", "unbonding", "GPU"],
          (roles.roles as any[]).map((r) => [
            enumLabel(r.role),
            remes(r.stake),
            remes(r.unbonding),
            enumLabel(String(r.gpu_arch ?? "")),
          ]),
          { testid: "roles", empty: "No role: an account only." },
        ),
      ),
      section(
        "Pending unbondings",
        table(
          ["entry", "role", "amount", "completes at"],
          (roles.unbondings as any[]).map((u) => [
            u.entry_id,
            enumLabel(u.role),
            remes(u.amount),
            heightLink(u.completion_height),
          ]),
          { testid: "unbondings", empty: "None." },
        ),
      ),
      section(
        "Earnings in the blocks looked at",
        table(
          ["kind", "amount"],
          [...earned].map(([k, v]) => [k, remes(v)]),
          { testid: "earnings", empty: "None." },
        ),
      ),
      section(
        "Submissions",
        eventTable(
          all.filter((e) => e.type === "gradientSubmitted" && e.attrs.miner === a),
          [
            atHeight,
            col("submissionId", "id"),
            col("window"),
            col("shard"),
            ["claimed loss", (e) => micro(e.attrs.claimedLossMicro)],
          ],
          { testid: "address-submissions" },
        ),
      ),
      section(
        "Slashes",
        eventTable(
          all.filter((e) => e.type === "slashed" && e.attrs.address === a),
          [atHeight, col("role"), col("offence"), col("amount")],
          { testid: "address-slashes" },
        ),
      ),
      section(
        "Duties: panels, votes, aggregations, trap commitments",
        eventTable(
          [
            ...panels,
            ...all.filter(
              (e) =>
                (e.type === "aggregationProposerSelected" && e.attrs.proposer === a) ||
                ((e.type === "lossVoteCast" ||
                  e.type === "arbitrationVerdictCast" ||
                  e.type === "trapCommitmentApproved") &&
                  e.attrs.validator === a),
            ),
          ].sort((x, y) => y.height - x.height),
          [atHeight, ["duty", duty], col("window"), col("deadline")],
          { testid: "duties" },
        ),
      ),
      section(
        "Txs",
        table(
          ["hash", "height", "result", "messages"],
          (txs.tx_responses as any[]).map((t) => [
            h(
              "a",
              { href: `#/tx/${t.txhash}`, "data-hash": t.txhash },
              short(String(t.txhash), 10, 6),
            ),
            heightLink(t.height),
            t.code === 0 ? "ok" : `failed (${t.code})`,
            ((t.tx?.body?.messages ?? []) as any[])
              .map((m) => String(m["@type"]).split(".").pop())
              .join(", "),
          ]),
          { testid: "address-txs", empty: "No tx sent." },
        ),
      ),
      section(
        "Received",
        table(
          ["hash", "height", "from", "amount"],
          (received.tx_responses as any[]).map((t) => {
            const transfer = ((t.events ?? []) as any[]).find(
              (e) =>
                e.type === "transfer" &&
                (e.attributes as any[]).some((x) => x.key === "recipient" && x.value === a),
            );
            const attr = (k: string) =>
              String((transfer?.attributes as any[])?.find((x) => x.key === k)?.value ?? "");
            return [
              h(
                "a",
                { href: `#/tx/${t.txhash}`, "data-hash": t.txhash },
                short(String(t.txhash), 10, 6),
              ),
              heightLink(t.height),
              addr(attr("sender")),
              /^\d+uremes$/.test(attr("amount"))
                ? remes(attr("amount").slice(0, -6))
                : attr("amount"),
            ];
          }),
          { testid: "address-received", empty: "Nothing received by a send." },
        ),
      ),
    );
  },
};
