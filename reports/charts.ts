/**
 * The report's charts: Observable Plot rendered on the server into a
 * linkedom document, serialized as inline SVG (no script, nothing fetched),
 * so a report opens offline. Every chart has a title, a subtitle saying
 * what is measured, labelled axes with units and a legend; actor classes
 * keep one colour across all charts (honest cool, attackers warm).
 */
import * as Plot from "@observablehq/plot";
import { parseHTML } from "linkedom";
import type { ActorKind } from "../src/sim/actor-kinds.ts";
import { kindOfClass } from "./profit.ts";
import type { Row } from "./queries.ts";

/** Every actor kind has its colour (the type says so), so a class looks the same in every chart. */
export const KIND_COLORS: Record<ActorKind | "unlisted" | "module", string> = {
  honest_miner: "#1b7837",
  honest_validator: "#2166ac",
  honest_proposer: "#5e3c99",
  lazy_miner: "#d6604d",
  copycat_miner: "#e08214",
  poisoner_miner: "#b2182b",
  sybil_miner: "#c51b7d",
  colluding_miner: "#8c510a",
  colluding_proposer: "#bf812d",
  // Attackers of the protocol as it is (scenarios/attacks/): miners,
  loss_copying_miner: "#d73027",
  isolated_miner: "#fc8d59",
  trap_spotting_miner: "#b35806",
  farming_validator: "#fdb863",
  watchdog_challenger: "#c2a5cf",
  forger: "#542788",
  // validators, proposers, governance.
  abstaining_validator: "#fdae61",
  censoring_validator: "#f46d43",
  capturing_validator: "#a50026",
  withholding_proposer: "#fee090",
  unbonding_miner: "#e7298a",
  spamming_miner: "#ce1256",
  da_griefer: "#fb9a99",
  bribing_miner: "#e31a1c",
  lazy_validator: "#f4a582",
  false_challenger: "#dfc27d",
  data_withholder: "#762a83",
  vault_poisoner_miner: "#67001f",
  unlisted: "#999999",
  module: "#666666",
};

const kindScale = (rows: readonly Row[], field = "actor_kind") => {
  const domain = [...new Set(rows.map((r) => String(r[field])))].sort();
  return {
    legend: true,
    domain,
    range: domain.map((k) => KIND_COLORS[kindOfClass(k) as ActorKind] ?? "#999999"),
  } as const;
};

const WIDTH = 820;
const HEIGHT = 320;
const STYLE = {
  fontSize: "12px",
  fontFamily: "system-ui, -apple-system, 'Segoe UI', sans-serif",
  overflow: "visible",
} as const;

export interface Chart {
  readonly id: string;
  readonly title: string;
  readonly html: string;
}

/** Renders a Plot into HTML (a <figure> holding the title, legend and <svg>). */
export const renderPlot = (options: Plot.PlotOptions): string => {
  const { document } = parseHTML("<!doctype html><html><head></head><body></body></html>");
  const el = Plot.plot({
    width: WIDTH,
    height: HEIGHT,
    style: STYLE,
    ...options,
    document: document as unknown as NonNullable<Plot.PlotOptions["document"]>,
  });
  return el.outerHTML;
};

const chart = (
  id: string,
  title: string,
  subtitle: string,
  empty: string | undefined,
  options: Plot.PlotOptions,
): Chart => ({
  id,
  title,
  html: `<div class="chart" id="chart-${id}">${renderPlot({ title, subtitle, ...(empty ? { caption: empty } : {}), ...options })}</div>`,
});

export const cumulativeRewardsChart = (rows: readonly Row[]): Chart =>
  chart(
    "rewards",
    "Cumulative rewards per actor, by actor class",
    "REMES minted to the average actor of each class by the end of each window — honest classes against each attacker class",
    rows.length === 0 ? "No rewards were minted in this run." : undefined,
    {
      x: { label: "Block height →", grid: true },
      y: { label: "↑ REMES per actor", grid: true, zero: true },
      color: kindScale(rows),
      marks: [
        Plot.ruleY([0]),
        Plot.line(rows, {
          x: "height",
          y: "remes_per_actor",
          stroke: "actor_kind",
          z: "actor_kind",
          curve: "step-after",
          strokeWidth: 2,
        }),
        Plot.dot(
          rows,
          Plot.selectLast({
            x: "height",
            y: "remes_per_actor",
            fill: "actor_kind",
            z: "actor_kind",
            r: 3,
          }),
        ),
      ],
    },
  );

export const detectionChart = (rows: readonly Row[]): Chart =>
  chart(
    "detection",
    "Lazy-miner detection over time",
    "Share of each miner class slashed for lazy mining at least once (by a trap job or a tier-3 panel) by the end of each window; honest miners should stay at 0 %",
    rows.length === 0 ? "No miners in this run." : undefined,
    {
      x: { label: "Block height →", grid: true },
      y: { label: "↑ Detected (% of the class)", domain: [0, 100], grid: true },
      color: kindScale(rows),
      marks: [
        Plot.ruleY([0]),
        Plot.line(rows, {
          x: "height",
          y: "detected_pct",
          stroke: "actor_kind",
          z: "actor_kind",
          curve: "step-after",
          strokeWidth: 2,
        }),
        Plot.dot(
          rows,
          Plot.selectLast({
            x: "height",
            y: "detected_pct",
            fill: "actor_kind",
            z: "actor_kind",
            r: 3,
          }),
        ),
      ],
    },
  );

export const slashesChart = (rows: readonly Row[]): Chart =>
  chart(
    "slashes",
    "Slashing events",
    "Each dot is one slash: when (block height), whom (actor class), why (colour: offence); its area is the amount slashed in REMES",
    rows.length === 0 ? "Nobody was slashed in this run." : undefined,
    {
      height: Math.max(160, 60 + 40 * new Set(rows.map((r) => r.actor_kind)).size),
      marginLeft: 130,
      x: { label: "Block height →", grid: true, inset: 16 },
      y: { label: null },
      r: { range: [3, 14] },
      color: { legend: true, scheme: "Set2" },
      marks: [
        Plot.dot(rows, {
          x: "height",
          y: "actor_kind",
          r: "amount_remes",
          fill: "offence",
          fillOpacity: 0.75,
          stroke: "#333",
          strokeWidth: 0.5,
          title: (d: Row) =>
            `${String(d.address)} · ${String(d.offence)} · ${Number(d.amount_remes).toLocaleString("en-US")} REMES at height ${String(d.height)}`,
        }),
      ],
    },
  );

export const giniChart = (rows: readonly Row[]): Chart =>
  chart(
    "gini",
    "Stake concentration (Gini coefficient)",
    "Gini coefficient of the bonded stake of miners and of validators at the start of each window: 0 % equal stakes, 100 % one holder",
    rows.length === 0 ? "No window opened in this run." : undefined,
    {
      x: { label: "Block height →", grid: true },
      y: { label: "↑ Gini (%)", domain: [0, 100], grid: true },
      color: { legend: true, domain: ["miners", "validators"], range: ["#1b7837", "#2166ac"] },
      marks: [
        Plot.ruleY([0]),
        Plot.line(rows, {
          x: "height",
          y: "gini_pct",
          stroke: "stakers",
          curve: "step-after",
          strokeWidth: 2,
        }),
      ],
    },
  );

export const stakeShareChart = (rows: readonly Row[]): Chart =>
  chart(
    "stake",
    "Bonded stake by actor class",
    "REMES bonded by each actor class at the start of each window and at the last block; slashing shrinks an attacker's band",
    rows.length === 0 ? "No stake snapshots in this run." : undefined,
    {
      x: { label: "Block height →", grid: true },
      y: { label: "↑ Bonded stake (REMES)", grid: true },
      color: kindScale(rows),
      marks: [
        Plot.areaY(rows, {
          x: "height",
          y: "stake_remes",
          fill: "actor_kind",
          z: "actor_kind",
          curve: "step-after",
          fillOpacity: 0.85,
        }),
        Plot.ruleY([0]),
      ],
    },
  );

export const tiersChart = (rows: readonly Row[]): Chart => {
  const data = rows.map((r) => ({ ...r, measure: String(r.measure).slice(2) }));
  const measures = [
    "tier 1 verified",
    "tier 1 optimistic",
    "tier 1 mismatched",
    "tier 2 disputes",
    "tier 3 panels",
    "trap reveals",
  ];
  return chart(
    "tiers",
    "Verification tier usage",
    "Per training window: tier-1 verdicts (hash agreement), tier-2 loss spot checks opened, tier-3 arbitration panels convened, trap jobs revealed",
    rows.length === 0 ? "No window closed in this run." : undefined,
    {
      x: { label: "Training window →", grid: true, interval: 1, tickFormat: "d" },
      y: { label: "↑ Count per window", grid: true },
      color: {
        legend: true,
        domain: measures,
        range: ["#1b7837", "#7fbc41", "#d6604d", "#e08214", "#b2182b", "#2166ac"],
      },
      marks: [
        Plot.ruleY([0]),
        Plot.line(data, {
          x: "window",
          y: "count",
          stroke: "measure",
          z: "measure",
          strokeWidth: 1.5,
        }),
        Plot.dot(data, { x: "window", y: "count", fill: "measure", r: 2.5 }),
      ],
    },
  );
};

export const throughputChart = (rows: readonly Row[]): Chart =>
  chart(
    "throughput",
    "Throughput",
    "Transactions, rejected transactions and protocol events per block, averaged over each training window",
    rows.length === 0 ? "No blocks in this run." : undefined,
    {
      x: { label: "Block height →", grid: true },
      y: { label: "↑ Per block (mean over the window)", grid: true },
      color: {
        legend: true,
        domain: ["events", "transactions", "rejected transactions"],
        range: ["#5e3c99", "#1b7837", "#d6604d"],
      },
      marks: [
        Plot.ruleY([0]),
        Plot.line(rows, {
          x: "height",
          y: "per_block",
          stroke: "measure",
          z: "measure",
          curve: "step-after",
          strokeWidth: 2,
        }),
      ],
    },
  );

/** Sweep comparison: a measure per run against one sweep coordinate, mean over seeds as a line. */
export const sweepChart = (
  id: string,
  title: string,
  subtitle: string,
  rows: readonly Row[],
  x: string,
  y: string,
  yLabel: string,
  series: string | undefined,
  seriesDomain?: readonly string[],
): Chart => {
  const numeric = rows.every((r) => typeof r[x] === "number");
  return chart(id, title, subtitle, rows.length === 0 ? "No runs to compare." : undefined, {
    x: { label: `${x} →`, grid: true, ...(numeric ? {} : { type: "point" as const }) },
    y: { label: `↑ ${yLabel}`, grid: true, zero: true },
    ...(series
      ? {
          color:
            series === "actor_kind"
              ? kindScale(rows, series)
              : {
                  legend: true,
                  type: "categorical" as const,
                  ...(seriesDomain ? { domain: [...seriesDomain] } : {}),
                },
        }
      : {}),
    marks: [
      Plot.ruleY([0]),
      Plot.dot(rows, {
        x,
        y,
        ...(series ? { stroke: series } : { stroke: "#2166ac" }),
        r: 3,
        strokeOpacity: 0.6,
      }),
      Plot.line(
        rows,
        Plot.groupX(
          { y: "mean" },
          {
            x,
            y,
            ...(series ? { stroke: series, z: series } : { stroke: "#2166ac" }),
            strokeWidth: 2,
          },
        ),
      ),
    ],
  });
};

/** One comparison of the "does it pay?" charts: a class against its counterpart (REMES per actor). */
export interface ProfitPoint {
  readonly kind: string;
  readonly label: string;
  readonly mean: number;
  readonly lo: number | null;
  readonly hi: number | null;
}

const PROFIT_SUBTITLE =
  "Net profit per actor — rewards − slashes − bonds lost + bonds won − fees − cost of work − cost of bonded capital — of each class minus that of its honest counterpart " +
  "(attackers against the honest miner, validator or proposer; honest classes and classes without a role against staying idle, 0), in REMES; right of 0 pays. Dot: mean; bar: 95 % interval";

/** The report's first chart: does each behaviour pay, against its honest counterpart? */
export const profitChart = (points: readonly ProfitPoint[], basis: string): Chart =>
  chart(
    "profit",
    "Does it pay? Profit per actor against the honest counterpart",
    `${PROFIT_SUBTITLE} (${basis})`,
    points.length === 0
      ? "No profit recorded for this run (no cost data: a run recorded without the simulator's profit rows)."
      : undefined,
    {
      height: Math.max(140, 70 + 36 * points.length),
      marginLeft: 260,
      x: { label: "REMES per actor more than the counterpart →", grid: true, zero: true },
      y: { label: null, domain: points.map((p) => p.label) },
      color: kindScale(points as unknown as Row[], "kind"),
      marks: [
        Plot.ruleX([0], { stroke: "#333" }),
        Plot.ruleY(
          points.filter((p) => p.lo !== null),
          { y: "label", x1: "lo", x2: "hi", stroke: "kind", strokeWidth: 3, strokeOpacity: 0.6 },
        ),
        Plot.dot(points, {
          x: "mean",
          y: "label",
          fill: "kind",
          r: 5,
          stroke: "#333",
          strokeWidth: 0.5,
          title: (d: ProfitPoint) =>
            `${d.label}: ${d.mean.toFixed(2)} REMES per actor${d.lo !== null ? ` (95% CI ${d.lo.toFixed(2)} to ${d.hi!.toFixed(2)})` : ""}`,
        }),
      ],
    },
  );

/** A sweep's "does it pay?": each class against its counterpart along the swept parameter, 95 % intervals as bars; facets by a second coordinate. */
export const profitSweepChart = (
  rows: readonly (ProfitPoint & { readonly x: number | string; readonly facet?: string })[],
  x: string,
  facet: string | undefined,
  basis: string,
): Chart => {
  const numeric = rows.every((r) => typeof r.x === "number");
  const facets = facet ? new Set(rows.map((r) => r.facet)).size : 1;
  return chart(
    "profit-sweep",
    `Does it pay? Profit per actor against the honest counterpart vs ${x}`,
    `${PROFIT_SUBTITLE} (${basis})${facet ? `; one panel per ${facet}` : ""}`,
    rows.length === 0 ? "No profit recorded for these runs." : undefined,
    {
      height: Math.max(HEIGHT, 80 + 240 * facets),
      x: { label: `${x} →`, grid: true, ...(numeric ? {} : { type: "point" as const }) },
      y: { label: "↑ REMES per actor more than the counterpart", grid: true, zero: true },
      ...(facet ? { fy: { label: facet } } : {}),
      color: kindScale(rows as unknown as Row[], "kind"),
      marks: [
        Plot.ruleY([0], { stroke: "#333" }),
        Plot.ruleX(
          rows.filter((r) => r.lo !== null),
          {
            x: "x",
            y1: "lo",
            y2: "hi",
            stroke: "kind",
            strokeWidth: 2,
            strokeOpacity: 0.5,
            ...(facet ? { fy: "facet" } : {}),
          },
        ),
        Plot.line(rows, {
          x: "x",
          y: "mean",
          stroke: "kind",
          z: "kind",
          strokeWidth: 2,
          ...(facet ? { fy: "facet" } : {}),
        }),
        Plot.dot(rows, {
          x: "x",
          y: "mean",
          fill: "kind",
          r: 3.5,
          ...(facet ? { fy: "facet" } : {}),
        }),
      ],
    },
  );
};

const METHOD_COLORS: Record<string, string> = {
  mean: "#b2182b",
  median: "#1b7837",
  trimmed_mean: "#2166ac",
  krum: "#e08214",
};

const lossAxis = {
  label: "↑ Model loss (share of the initial model's, log scale)",
  type: "log" as const,
  grid: true,
};

/**
 * "Useful work delivered": the global model's loss (squared distance to the
 * optimum, or with the kernels backend the held-out cross-entropy of the
 * global adapters; as a share of the initial model's) after each window, against the
 * window and against the REMES minted by then — what the chain paid for it.
 */
export const modelCharts = (rows: readonly Row[]): Chart[] => {
  const empty = rows.length === 0 ? "No model in this run (no window opened)." : undefined;
  const method = (d: Row) => String(d.method ?? "none");
  const domain = [...new Set(rows.map(method))].sort();
  const color = { legend: true, domain, range: domain.map((m) => METHOD_COLORS[m] ?? "#999999") };
  const marks = (x: string) => [
    Plot.ruleY([1], { stroke: "#999", strokeDasharray: "4 3" }),
    Plot.line(rows, { x, y: "loss_ratio_floored", stroke: "#555", strokeWidth: 1.5 }),
    Plot.dot(rows, {
      x,
      y: "loss_ratio_floored",
      fill: method,
      r: 3.5,
      symbol: (d: Row) => (d.aggregate_finalized ? "circle" : "times"),
      title: (d: Row) =>
        `window ${String(d.window)} · ${method(d)} · loss ${Number(d.loss_ratio).toPrecision(3)} of the initial · ${Number(d.remes_minted).toLocaleString("en-US")} REMES minted`,
    }),
  ];
  return [
    chart(
      "model-loss",
      "Useful work delivered: model loss over time",
      "Squared distance of the global model to the optimum (kernels backend: held-out cross-entropy of the global adapters) after each window (1 = the initial model, dashed), once its aggregate is final; colour: aggregation method, × = no aggregate finalized",
      empty,
      {
        x: { label: "Training window →", grid: true, tickFormat: "d" },
        y: lossAxis,
        color,
        marks: marks("window"),
      },
    ),
    chart(
      "model-per-remes",
      "Useful work delivered per REMES minted",
      "The same loss against the REMES minted since genesis by then: how far the rewards paid moved the model toward the optimum",
      empty,
      {
        x: { label: "REMES minted →", grid: true },
        y: lossAxis,
        color,
        marks: marks("remes_minted"),
      },
    ),
  ];
};

/**
 * Sweep comparison of the model: per run, the peak loss (how far the model
 * was dragged while the attackers were bonded) or the final one (whether it
 * recovered), against a coordinate (log scale), mean over seeds as a line.
 */
export const modelSweepChart = (
  rows: readonly Row[],
  x: string,
  xLabel: string,
  series: string | undefined,
  measure: "peak" | "final",
): Chart => {
  const numeric = rows.every((r) => typeof r[x] === "number");
  const domain = series ? [...new Set(rows.map((r) => String(r[series])))].sort() : [];
  const y = `${measure}_loss_ratio_floored`;
  const what =
    measure === "peak"
      ? "Worst squared distance of the global model to the optimum over each run's settled windows"
      : "Squared distance of the global model to the optimum after each run's last settled window";
  return chart(
    `sweep-model-${measure}`,
    `${measure === "peak" ? "Peak" : "Final"} model loss vs ${xLabel}`,
    `${what}, as a share of the initial model's (log scale; 1 = the initial model, above 1 = dragged away); dots are runs, lines the mean over seeds`,
    rows.length === 0 ? "No model in these runs." : undefined,
    {
      x: { label: `${xLabel} →`, grid: true, ...(numeric ? {} : { type: "point" as const }) },
      y: {
        label: `↑ ${measure === "peak" ? "Peak" : "Final"} model loss (share of the initial, log scale)`,
        type: "log",
        grid: true,
      },
      ...(series
        ? {
            color: {
              legend: true,
              domain,
              range: domain.map(
                (m, i) => METHOD_COLORS[m] ?? ["#5e3c99", "#e08214", "#762a83", "#666"][i % 4]!,
              ),
            },
          }
        : {}),
      marks: [
        Plot.ruleY([1], { stroke: "#999", strokeDasharray: "4 3" }),
        Plot.dot(rows, {
          x,
          y,
          ...(series ? { stroke: series } : { stroke: "#2166ac" }),
          r: 3,
          strokeOpacity: 0.7,
        }),
        Plot.line(
          rows,
          Plot.groupX(
            { y: "mean" },
            {
              x,
              y,
              ...(series ? { stroke: series, z: series } : { stroke: "#2166ac" }),
              strokeWidth: 2,
            },
          ),
        ),
      ],
    },
  );
};
