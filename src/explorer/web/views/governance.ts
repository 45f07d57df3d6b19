/** Governance: proposals in the state (voting, or tallied recently) and the votes and tallies in the look-back. */
import { api } from "../api.ts";
import { addr, atHeight, col, enumLabel, heightLink, type View } from "../common.ts";
import { h, section, table } from "../dom.ts";
import { remes } from "../format.ts";
import { eventTable } from "./events-table.ts";

export const governance: View = {
  title: "Governance",
  live: true,
  render: async (c) => {
    const { proposals } = await api<{ proposals: any[] }>("/remes/remes/v1/proposals");
    const votes = c.store.of("voteCast");
    return h(
      "div",
      {},
      h("h1", {}, "Governance"),
      section(
        "Proposals",
        table(
          ["id", "proposer", "content", "deposit", "voting ends", "status", "votes seen"],
          proposals.map((p) => [
            p.proposal_id,
            addr(p.proposer),
            Object.keys(p.content ?? {}).join(", "),
            remes(p.deposit ?? "0"),
            heightLink(p.voting_end_height),
            enumLabel(String(p.status)),
            String(votes.filter((v) => v.attrs.proposalId === p.proposal_id).length),
          ]),
          { testid: "proposals", empty: "No proposal in the state." },
        ),
      ),
      section(
        "Votes",
        eventTable(votes, [atHeight, col("proposalId", "proposal"), col("voter"), col("option")]),
      ),
      section(
        "Submitted and tallied",
        eventTable(c.store.of("proposalSubmitted", "proposalTallied"), [
          atHeight,
          ["event", (e) => (e.type === "proposalSubmitted" ? "submitted" : "tallied")],
          col("proposalId", "proposal"),
          col("proposer"),
          col("status"),
          col("yes"),
          col("no"),
          col("abstain"),
          col("noWithVeto", "veto"),
        ]),
      ),
    );
  },
};
