/** Disputes by tier, trap reveals, aggregations, slashes and rewards: tables of the chain's events. */
import { api } from "../api.ts";
import { bars } from "../chart.ts";
import { atHeight, col, heightLink, type View } from "../common.ts";
import { facts, h, section, table } from "../dom.ts";
import { grouped, remes } from "../format.ts";
import { eventTable } from "./events-table.ts";

export const disputes: View = {
  title: "Disputes",
  live: true,
  render: async (c) => {
    const opened = c.store.of("disputeOpened");
    const resolved = new Map(c.store.of("disputeResolved").map((e) => [e.attrs.disputeId, e]));
    const escalated = new Set(c.store.of("disputeEscalated").map((e) => e.attrs.disputeId));
    const tiers = [...new Set(opened.map((e) => e.attrs.tier ?? "1"))].sort();
    return h(
      "div",
      {},
      h("h1", {}, "Disputes"),
      ...(tiers.length === 0
        ? [h("p", { class: "muted" }, "No dispute opened in the blocks looked at.")]
        : []),
      ...tiers.map((t) =>
        section(
          `Tier ${t}`,
          table(
            [
              "id",
              "opened",
              "subject",
              "window",
              "challenger",
              "bond",
              "escalated",
              "outcome",
              "resolved",
            ],
            opened
              .filter((e) => (e.attrs.tier ?? "1") === t)
              .map((e) => {
                const r = resolved.get(e.attrs.disputeId);
                return [
                  e.attrs.disputeId ?? "",
                  heightLink(e.height),
                  [col("subject")[1](e), " ", e.attrs.subjectId ?? ""],
                  col("window")[1](e),
                  col("challenger")[1](e),
                  col("bond")[1](e),
                  escalated.has(e.attrs.disputeId) ? "yes" : "",
                  r ? col("outcome")[1](r) : "open",
                  r ? heightLink(r.height) : "",
                ];
              }),
          ),
        ),
      ),
      section(
        "Votes and verdicts",
        eventTable(c.store.of("lossVoteCast", "arbitrationVerdictCast", "panelRedrawn"), [
          atHeight,
          ["event", (e) => e.type],
          col("disputeId", "dispute"),
          col("validator"),
          col("supportsClaim", "supports claim"),
          col("valid"),
        ]),
      ),
    );
  },
};

export const traps: View = {
  title: "Traps",
  live: true,
  render: async (c) => {
    const s = await api("/remes/remes/v1/trap_stats");
    return h(
      "div",
      {},
      h("h1", {}, "Trap jobs"),
      facts([
        ["traps_revealed", "Traps revealed", grouped(s.traps_revealed)],
        ["miners_caught", "Miners caught", grouped(s.miners_caught)],
        ["miners_passed", "Miners passed", grouped(s.miners_passed)],
        ["vault_entries", "Vault entries", grouped(s.vault_entries)],
      ]),
      section(
        "Reveals",
        eventTable(
          c.store.of("trapRevealed"),
          [
            atHeight,
            col("window"),
            col("shard"),
            col("vaultEntryId", "vault entry"),
            col("caught"),
            col("passed"),
          ],
          {
            testid: "trap-reveals",
          },
        ),
      ),
      section(
        "Commitments",
        eventTable(c.store.of("trapCommitmentApproved", "trapCommitmentAccepted"), [
          atHeight,
          ["event", (e) => (e.type === "trapCommitmentApproved" ? "approved" : "accepted")],
          col("window"),
          col("validator"),
          col("committee"),
        ]),
      ),
    );
  },
};

export const aggregations: View = {
  title: "Aggregations",
  live: true,
  render: async (c) =>
    h(
      "div",
      {},
      h("h1", {}, "Aggregations"),
      eventTable(
        c.store.of(
          "aggregationProposerSelected",
          "aggregationCommitted",
          "aggregationRevealed",
          "aggregationFaulted",
          "aggregationFinalized",
        ),
        [
          atHeight,
          ["event", (e) => e.type.replace(/^aggregation/, "").toLowerCase()],
          col("window"),
          col("proposer"),
          col("aggregationId", "id"),
          [
            "submissions",
            (e) => (e.attrs.submissionIds ? JSON.parse(e.attrs.submissionIds).length : ""),
          ],
          col("method"),
          col("fault"),
        ],
        { testid: "aggregations" },
      ),
    ),
};

export const slashes: View = {
  title: "Slashes",
  live: true,
  render: async (c) =>
    h(
      "div",
      {},
      h("h1", {}, "Slashes"),
      eventTable(
        c.store.of("slashed"),
        [
          atHeight,
          col("address"),
          col("role"),
          col("offence"),
          col("amount"),
          col("burned"),
          col("toCommunity", "to community"),
          col("beneficiary"),
          col("toBeneficiary", "to beneficiary"),
        ],
        { testid: "slashes", empty: "No slash in the blocks looked at." },
      ),
      section(
        "Jailed validators",
        eventTable(c.store.of("validatorJailed"), [
          atHeight,
          col("validator"),
          col("untilHeight", "until"),
        ]),
      ),
    ),
};

export const rewards: View = {
  title: "Rewards",
  live: true,
  render: async (c) => {
    const minted = c.store.of("rewardMinted");
    const perHeight = new Map<number, number>();
    for (const e of minted)
      perHeight.set(e.height, (perHeight.get(e.height) ?? 0) + Number(e.attrs.amount ?? 0) / 1e6);
    const total = minted.reduce((t, e) => t + BigInt(e.attrs.amount ?? "0"), 0n);
    return h(
      "div",
      {},
      h("h1", {}, "Rewards"),
      facts([["minted", "Minted in the blocks looked at", remes(total)]]),
      perHeight.size > 1
        ? bars(
            [...perHeight].map(([x, y]) => ({ x, y })),
            { x: "height", y: "REMES minted" },
          )
        : "",
      section(
        "Minted",
        eventTable(minted, [atHeight, col("to"), col("amount"), col("kind"), col("window")], {
          testid: "rewards",
        }),
      ),
      section(
        "Verifiers paid",
        eventTable(c.store.of("verifierPaid"), [
          atHeight,
          col("validator"),
          col("amount"),
          col("source"),
          col("disputeId", "dispute"),
          col("window"),
        ]),
      ),
      section(
        "Validator pay",
        eventTable(c.store.of("validatorPayAccrued"), [
          atHeight,
          col("proposer"),
          col("minted"),
          col("fees"),
        ]),
      ),
    );
  },
};
