/** One tx (through the REST gateway): result, fee, memo, its messages and its events. */
import { api } from "../api.ts";
import { heightLink, value, type View } from "../common.ts";
import { type Child, facts, h, section, table } from "../dom.ts";
import { remes } from "../format.ts";
import { attrsCell } from "./events-table.ts";

const isCoins = (v: unknown): v is { denom: string; amount: string }[] =>
  Array.isArray(v) && v.every((c) => c && typeof c === "object" && c.denom === "uremes");

const fieldCell = (k: string, v: unknown): Child =>
  typeof v === "string"
    ? value(k, v)
    : isCoins(v)
      ? v.map((c) => remes(c.amount)).join(" + ")
      : h("code", {}, JSON.stringify(v));

export const tx: View = {
  title: "Tx",
  live: false,
  render: async (c) => {
    const hash = String(c.params[0] ?? "").toUpperCase();
    const r = await api(`/cosmos/tx/v1beta1/txs/${hash}`);
    const t = r.tx_response;
    const fee = ((r.tx?.auth_info?.fee?.amount ?? []) as { amount: string }[]).reduce(
      (s, a) => s + BigInt(a.amount),
      0n,
    );
    const messages: Record<string, unknown>[] = r.tx?.body?.messages ?? [];
    return h(
      "div",
      {},
      h("h1", {}, "Tx ", h("code", {}, hash)),
      facts([
        ["height", "Height", heightLink(t.height)],
        ["time", "Time", String(t.timestamp ?? "")],
        ["result", "Result", t.code === 0 ? "ok" : `failed (code ${t.code}): ${t.raw_log}`],
        ["gas", "Gas used / wanted", `${t.gas_used} / ${t.gas_wanted}`],
        ["fee", "Fee", remes(fee)],
        ["memo", "Memo", String(r.tx?.body?.memo ?? "")],
      ]),
      ...messages.map((m, i) => {
        const { "@type": type, ...fields } = m;
        return section(
          `Message ${i + 1}: ${String(type).split(".").pop()}`,
          table(
            ["field", "value"],
            Object.entries(fields).map(([k, v]) => [k, fieldCell(k, v)]),
          ),
        );
      }),
      section(
        "Events",
        table(
          ["event", "attributes"],
          (
            (t.events ?? []) as { type: string; attributes: { key: string; value: string }[] }[]
          ).map((e) => [
            e.type.replace(/^remes\./, ""),
            attrsCell({ attrs: Object.fromEntries(e.attributes.map((a) => [a.key, a.value])) }),
          ]),
        ),
      ),
    );
  },
};
