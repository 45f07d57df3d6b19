/** Training windows: each window's submissions, commitments and tier-1 verdicts; one window in detail. */
import { apiOrNone } from "../api.ts";
import { addr, atHeight, col, heightLink, type View, windowLink } from "../common.ts";
import { facts, h, section, table } from "../dom.ts";
import type { ChainEvent } from "../events.ts";
import { grouped, list, micro } from "../format.ts";
import { eventTable } from "./events-table.ts";

const WINDOW_EVENTS = [
  "windowOpened",
  "gradientCommitted",
  "gradientSubmitted",
  "gradientCommitUnrevealed",
  "tier1Evaluated",
  "submissionRejected",
  "windowClosed",
  "windowSettled",
];

interface WindowRow {
  window: string;
  opened?: number;
  commits: number;
  submissions: number;
  verified: number;
  optimistic: number;
  mismatched: number;
  closed?: number;
  settled?: number;
}

/** The windows seen in these events (newest first), with counts per window. */
export const windowRows = (events: readonly ChainEvent[]): WindowRow[] => {
  const rows = new Map<string, WindowRow>();
  const row = (w: string) => {
    let r = rows.get(w);
    if (!r)
      rows.set(
        w,
        (r = { window: w, commits: 0, submissions: 0, verified: 0, optimistic: 0, mismatched: 0 }),
      );
    return r;
  };
  for (const e of events) {
    const w = e.attrs.window;
    if (w === undefined) continue;
    const r = row(w);
    if (e.type === "windowOpened") r.opened = e.height;
    else if (e.type === "gradientCommitted") r.commits++;
    else if (e.type === "gradientSubmitted") r.submissions++;
    else if (e.type === "tier1Evaluated") {
      r.verified += list(e.attrs.verifiedIds).length;
      r.optimistic += list(e.attrs.optimisticIds).length;
      r.mismatched += list(e.attrs.mismatchedIds).length;
    } else if (e.type === "windowClosed") r.closed = e.height;
    else if (e.type === "windowSettled") r.settled = e.height;
  }
  return [...rows.values()].sort((a, b) => Number(b.window) - Number(a.window));
};

export const windows: View = {
  title: "Windows",
  live: true,
  render: async (c) => {
    const rows = windowRows(c.store.of(...WINDOW_EVENTS));
    return h(
      "div",
      {},
      h("h1", {}, "Training windows"),
      table(
        [
          "window",
          "opened",
          "commitments",
          "submissions",
          "tier 1: verified",
          "optimistic",
          "mismatched",
          "closed",
          "settled",
        ],
        rows.map((r) => [
          windowLink(r.window),
          r.opened ? heightLink(r.opened) : "",
          r.commits,
          r.submissions,
          r.verified,
          r.optimistic,
          r.mismatched,
          r.closed ? heightLink(r.closed) : "open",
          r.settled ? heightLink(r.settled) : "",
        ]),
        { testid: "windows", empty: "No window in the blocks looked at." },
      ),
    );
  },
};

export const windowView: View = {
  title: "Window",
  live: true,
  render: async (c) => {
    const w = String(c.params[0] ?? "");
    const [q, agg] = await Promise.all([
      apiOrNone(`/remes/remes/v1/window/${w}`),
      apiOrNone(`/remes/remes/v1/get_aggregation/${w}`),
    ]);
    const mine = c.store.of(...WINDOW_EVENTS).filter((e) => e.attrs.window === w);
    const subs = mine.filter((e) => e.type === "gradientSubmitted");
    const ids = new Set(subs.map((e) => e.attrs.submissionId));
    const rejected = c.store.of("submissionRejected").filter((e) => ids.has(e.attrs.submissionId));
    const verdict = (id: string | undefined): string => {
      for (const t of mine.filter((e) => e.type === "tier1Evaluated")) {
        if (list(t.attrs.verifiedIds).includes(id ?? "")) return "verified";
        if (list(t.attrs.optimisticIds).includes(id ?? "")) return "optimistic";
        if (list(t.attrs.mismatchedIds).includes(id ?? "")) return "mismatched";
      }
      return rejected.some((r) => r.attrs.submissionId === id) ? "rejected" : "pending";
    };
    return h(
      "div",
      {},
      h("h1", {}, `Window ${w}`),
      q
        ? facts([
            ["start", "Start height", heightLink(q.start_height)],
            ["shards", "Active shards", String(q.active_shards)],
            ["miners", "Miners assigned", String(q.miners)],
            ["submissions", "Submissions", String(q.submissions)],
            ["closed", "Closed", q.closed ? "yes" : "no"],
          ])
        : h(
            "p",
            { class: "muted" },
            "Not in the state (not open yet, or settled and pruned); its events follow.",
          ),
      section(
        "Submissions",
        table(
          ["id", "miner", "shard", "claimed loss", "size", "kernel", "tier 1", "height"],
          subs.map((e) => [
            e.attrs.submissionId ?? "",
            addr(e.attrs.miner),
            e.attrs.shard ?? "0",
            micro(e.attrs.claimedLossMicro),
            grouped(e.attrs.sizeBytes ?? "0"),
            e.attrs.kernelVersion ?? "",
            verdict(e.attrs.submissionId),
            heightLink(e.height),
          ]),
          { testid: "submissions" },
        ),
      ),
      section(
        "Tier-1 verdicts",
        eventTable(
          mine.filter((e) => e.type === "tier1Evaluated"),
          [
            atHeight,
            col("shard"),
            col("gpuArch", "GPU"),
            col("kernelVersion", "kernel"),
            col("verifiedIds", "verified"),
            col("optimisticIds", "optimistic"),
            col("mismatchedIds", "mismatched"),
          ],
        ),
      ),
      section(
        "Commitments",
        eventTable(
          mine.filter(
            (e) => e.type === "gradientCommitted" || e.type === "gradientCommitUnrevealed",
          ),
          [
            atHeight,
            ["event", (e) => (e.type === "gradientCommitted" ? "committed" : "never revealed")],
            col("miner"),
            col("shard"),
          ],
        ),
      ),
      section(
        "Aggregation",
        agg
          ? facts([
              ["proposer", "Proposer", addr(agg.aggregation.proposer)],
              ["cid", "Aggregated CID", String(agg.aggregation.aggregated_cid)],
              ["count", "Submissions", String((agg.aggregation.submission_ids ?? []).length)],
              ["finalized", "Finalized", agg.finalized ? "yes" : "no"],
            ])
          : h("p", { class: "muted" }, "No revealed aggregation (yet)."),
      ),
    );
  },
};
