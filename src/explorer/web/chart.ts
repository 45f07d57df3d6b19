/**
 * Charts with Observable Plot, as the reports draw them. Plot puts a
 * `<style>` element in each SVG; the page's CSP allows no inline style, so
 * it is taken out before the chart reaches the document and app.css holds
 * the same rules (for the `chart` class).
 */
import { plot, rectY, ruleY } from "@observablehq/plot";

export interface Point {
  readonly x: number;
  readonly y: number;
}

/** Bars of y by x (heights on the x axis). */
export const bars = (
  points: readonly Point[],
  opts: { x: string; y: string; width?: number },
): Element => {
  const svg = plot({
    className: "chart",
    width: opts.width ?? 720,
    height: 180,
    marginLeft: 48,
    x: { label: opts.x, type: "linear" },
    // At least 0..1: a look-back of empty blocks draws flat, not a degenerate scale.
    y: { label: opts.y, grid: true, domain: [0, Math.max(1, ...points.map((p) => p.y))] },
    marks: [
      rectY(points as Point[], {
        x: "x",
        y: "y",
        interval: 1,
        fill: "#3b6ea5",
        insetLeft: 0.5,
        insetRight: 0.5,
      }),
      ruleY([0]),
    ],
    document,
  });
  for (const s of svg.querySelectorAll("style")) s.remove();
  return svg;
};
