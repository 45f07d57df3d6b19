/** One block: its header, its txs (hash, result, messages) and the events of its FinalizeBlock. */
import { rpc, txHash } from "../api.ts";
import { heightLink, type View } from "../common.ts";
import { blockInfoOf, isBeacon } from "../events.ts";
import { facts, h, section, table } from "../dom.ts";
import { ago, short } from "../format.ts";
import { anyEvents } from "./events-table.ts";

export const block: View = {
  title: "Block",
  live: false,
  render: async (c) => {
    const height = Number(c.params[0]);
    const [b, r] = await Promise.all([rpc("block", { height }), rpc("block_results", { height })]);
    const header = b.block.header;
    const txs: string[] = b.block.data.txs ?? [];
    const hashes = await Promise.all(txs.map(txHash));
    const info = blockInfoOf(height, r.txs_results, r.finalize_block_events);
    const results: any[] = r.txs_results ?? [];
    return h(
      "div",
      {},
      h("h1", {}, `Block ${height}`),
      h("p", {}, height > 1 ? heightLink(height - 1) : "", " ← → ", heightLink(height + 1)),
      facts([
        ["height", "Height", String(header.height)],
        ["time", "Time", `${header.time} (${ago(header.time, c.now)})`],
        ["hash", "Hash", String(b.block_id.hash)],
        ["proposer", "Proposer", String(header.proposer_address)],
        ["app_hash", "App hash", String(header.app_hash)],
        ["txs", "Txs", String(info.txs)],
      ]),
      section(
        "Txs",
        table(
          ["hash", "result", "messages", "gas used"],
          hashes.map((hash, i) => {
            const res = results[i] ?? {};
            const actions = info.events
              .filter((e) => e.tx === i && e.type === "message")
              .map((e) => e.attrs.action ?? "");
            return [
              // A beacon is no Cosmos tx: the gateway cannot show it, so no link.
              isBeacon(res)
                ? h("code", {}, short(hash, 12, 8))
                : h("a", { href: `#/tx/${hash}`, "data-hash": hash }, short(hash, 12, 8)),
              Number(res.code ?? 0) === 0
                ? "ok"
                : `failed (${res.code}): ${String(res.log ?? "").slice(0, 120)}`,
              isBeacon(res)
                ? "(the proposer's beacon)"
                : actions.map((a) => a.split(".").pop()).join(", "),
              String(res.gas_used ?? ""),
            ];
          }),
          { empty: "No txs.", testid: "block-txs" },
        ),
      ),
      section("Block events", anyEvents(info.events.filter((e) => e.tx < 0))),
    );
  },
};
