/**
 * The Grafana dashboard (testnet/grafana/r3mes.json) parses, and every metric
 * its queries name is one the node exports (a fresh NodeMetrics registry,
 * histogram series included) or one of CometBFT's documented cometbft_*
 * names — so a renamed metric cannot leave a panel silently empty.
 */
import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import { NodeMetrics } from "../../src/node/metrics.ts";
import { COMETBFT_METRICS } from "../../src/testnet/cometbft-metrics.ts";

const dashboardFile = new URL("../../testnet/grafana/r3mes.json", import.meta.url);

interface Panel {
  readonly title: string;
  readonly targets?: readonly { readonly expr: string }[];
  readonly panels?: readonly Panel[];
}

const exprsOf = (panels: readonly Panel[]): { panel: string; expr: string }[] =>
  panels.flatMap((p) => [
    ...(p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })),
    ...exprsOf(p.panels ?? []),
  ]);

/** Series names a PromQL expression reads: identifiers with our two prefixes (functions, labels and keywords have neither). */
const metricNamesOf = (expr: string): string[] =>
  [...expr.replace(/"[^"]*"/g, '""').matchAll(/\b(?:r3mes|cometbft)_[A-Za-z0-9_]*/g)].map(
    (m) => m[0],
  );

const exported = async (): Promise<Set<string>> => {
  const names = new Set<string>();
  for (const m of await new NodeMetrics().registry.getMetricsAsJSON()) {
    names.add(m.name);
    if (String(m.type) === "histogram")
      for (const s of ["_bucket", "_sum", "_count"]) names.add(m.name + s);
  }
  return names;
};

describe("the Grafana dashboard", () => {
  it("parses, has panels with queries, and references only metrics the node exports or CometBFT documents", async () => {
    const doc = JSON.parse(fs.readFileSync(dashboardFile, "utf8")) as {
      title: string;
      uid: string;
      panels: Panel[];
    };
    expect(doc.uid).toBe("r3mes-node");
    const exprs = exprsOf(doc.panels);
    expect(exprs.length).toBeGreaterThan(10);
    const ours = await exported();
    const comet = new Set(
      COMETBFT_METRICS.flatMap((n) => [n, `${n}_bucket`, `${n}_sum`, `${n}_count`]),
    );
    const used = new Set<string>();
    for (const { panel, expr } of exprs) {
      const names = metricNamesOf(expr);
      expect(names.length, `${panel}: ${expr}`).toBeGreaterThan(0);
      for (const n of names) {
        used.add(n);
        expect(
          n.startsWith("r3mes_") ? ours.has(n) : comet.has(n),
          `${panel}: ${n} is not exported`,
        ).toBe(true);
      }
    }
    // The dashboard shows the app's and CometBFT's side both.
    expect([...used].some((n) => n.startsWith("cometbft_"))).toBe(true);
    expect(
      [...ours]
        .filter(
          (n) =>
            n.startsWith("r3mes_") &&
            !n.startsWith("r3mes_process") &&
            !n.startsWith("r3mes_nodejs") &&
            !/_(bucket|sum|count)$/.test(n),
        )
        .every((n) => [...used].some((u) => u.startsWith(n))),
      "every r3mes_ metric of the app has a panel",
    ).toBe(true);
  });

  it("finds the metric names of a query and nothing in its strings or functions", () => {
    expect(
      metricNamesOf(
        'histogram_quantile(0.5, sum by (le) (rate(r3mes_check_tx_seconds_bucket{name="r3mes_x"}[5m])))',
      ),
    ).toEqual(["r3mes_check_tx_seconds_bucket"]);
    expect(metricNamesOf("cometbft_consensus_height - on() r3mes_height")).toEqual([
      "cometbft_consensus_height",
      "r3mes_height",
    ]);
  });
});
