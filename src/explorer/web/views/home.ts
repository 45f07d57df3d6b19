/** The chain at a glance: height, latest blocks and txs, txs per block over the look-back, live. */
import { api, rpc } from "../api.ts";
import { bars } from "../chart.ts";
import { heightLink, type View } from "../common.ts";
import { facts, h, section, table } from "../dom.ts";
import { ago, grouped, short } from "../format.ts";
import { liveTxs } from "../live.ts";

interface BlockMeta {
  block_id: { hash: string };
  num_txs: string;
  header: { height: string; time: string; proposer_address: string };
}

export const home: View = {
  title: "Chain",
  live: true,
  render: async (c) => {
    const status = await rpc("status");
    const height = Number(status.sync_info.latest_block_height);
    const [chain, txs, vals] = await Promise.all([
      rpc<{ block_metas: BlockMeta[] }>("blockchain", {
        minHeight: Math.max(1, height - 19),
        maxHeight: height,
      }),
      api(
        `/cosmos/tx/v1beta1/txs?query=${encodeURIComponent("tx.fee_payer EXISTS")}&order_by=ORDER_BY_DESC&limit=10`,
      ).catch(() => ({ tx_responses: [] })),
      rpc("validators"),
    ]);
    const metas = chain.block_metas;
    const first = metas[metas.length - 1];
    const last = metas[0];
    const secs =
      first && last ? (Date.parse(last.header.time) - Date.parse(first.header.time)) / 1000 : 0;
    // The store's count leaves the proposers' beacon txs out; num_txs counts them.
    const txsAt = (m: BlockMeta) =>
      c.store.blocks.get(Number(m.header.height))?.txs ?? Number(m.num_txs);
    const n = metas.reduce((t, m) => t + txsAt(m), 0);
    const blocks = [...c.store.blocks.values()].sort((a, b) => a.height - b.height);
    const seen = new Set<string>();
    const recent = [
      ...liveTxs.map((t) => ({
        hash: t.hash,
        height: String(t.height),
        code: t.code,
        what: t.actions.map((a) => a.split(".").pop()).join(", "),
      })),
      ...(txs.tx_responses as any[]).map((t) => ({
        hash: String(t.txhash),
        height: String(t.height),
        code: Number(t.code),
        what: ((t.tx?.body?.messages ?? []) as any[])
          .map((m) => String(m["@type"]).split(".").pop())
          .join(", "),
      })),
    ].filter((t) => (seen.has(t.hash) ? false : (seen.add(t.hash), true)));
    return h(
      "div",
      {},
      facts([
        ["height", "Height", heightLink(height)],
        ["chain", "Chain", String(status.node_info.network)],
        [
          "time",
          "Latest block",
          `${status.sync_info.latest_block_time} (${ago(status.sync_info.latest_block_time, c.now)})`,
        ],
        ["validators", "Validators", String(vals.total ?? vals.validators?.length ?? "")],
        [
          "rate",
          "Tx rate",
          secs > 0 ? `${(n / secs).toFixed(2)} tx/s over the last ${metas.length} blocks` : "—",
        ],
        [
          "lookback",
          "Looked back",
          `${grouped(blocks.length)} blocks (from ${grouped(c.store.from)})`,
        ],
      ]),
      section(
        "Txs per block",
        blocks.length > 1
          ? bars(
              blocks.map((b) => ({ x: b.height, y: b.txs })),
              { x: "height", y: "txs" },
            )
          : h("p", { class: "muted" }, "Not enough blocks yet."),
      ),
      h(
        "div",
        { class: "cols" },
        section(
          "Latest blocks",
          table(
            ["height", "time", "txs", "proposer"],
            metas
              .slice(0, 10)
              .map((m) => [
                heightLink(m.header.height),
                ago(m.header.time, c.now),
                txsAt(m),
                short(m.header.proposer_address, 8, 4),
              ]),
            { testid: "blocks" },
          ),
        ),
        section(
          "Latest txs",
          table(
            ["hash", "height", "result", "messages"],
            recent
              .slice(0, 12)
              .map((t) => [
                h("a", { href: `#/tx/${t.hash}`, "data-hash": t.hash }, short(t.hash, 10, 6)),
                heightLink(t.height),
                t.code === 0 ? "ok" : `failed (${t.code})`,
                t.what,
              ]),
            { testid: "txs", empty: "No txs yet." },
          ),
        ),
      ),
    );
  },
};
