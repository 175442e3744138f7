// Charts of judge agreement: intervals per judge, and confusion matrices against the human majority.
import * as Plot from "npm:@observablehq/plot";
import { html } from "npm:htl";

const KIND_COLORS = { domain: ["live", "recorded", "human"], range: ["#d95f02", "#1b6ca8", "#777"] };

/**
 * One row per judge: the estimate as a dot and its 95% interval as a rule.
 * `metric` names the columns (`metric`, `metric_ci_low`, `metric_ci_high`).
 */
export function intervalDots(rows, { metric, label, domain, width, reference, referenceLabel } = {}) {
  const low = `${metric}_ci_low`;
  const high = `${metric}_ci_high`;
  const shown = rows.filter((d) => d[metric] != null);
  return Plot.plot({
    width,
    height: 40 + 26 * shown.length,
    marginLeft: 130,
    x: { domain, label, grid: true },
    y: { domain: shown.map((d) => d.judge), label: null },
    color: { ...KIND_COLORS, legend: false },
    marks: [
      reference == null ? null : Plot.ruleX([reference], { stroke: "#999", strokeDasharray: "4,3" }),
      reference == null
        ? null
        : Plot.text([reference], { x: (d) => d, frameAnchor: "top", dy: -2, text: () => referenceLabel, fill: "#666", lineAnchor: "bottom" }),
      Plot.ruleY(shown, { y: "judge", x1: low, x2: high, stroke: "judge_kind", strokeWidth: 2 }),
      Plot.dot(shown, {
        y: "judge",
        x: metric,
        fill: "judge_kind",
        r: 4,
        tip: true,
        title: (d) => `${d.judge}: ${d[metric].toFixed(metric === "kappa" ? 3 : 1)} [${d[low].toFixed(metric === "kappa" ? 3 : 1)}, ${d[high].toFixed(metric === "kappa" ? 3 : 1)}]`,
      }),
    ],
  });
}

/** A 2×2 confusion matrix per judge: its verdict (rows) against the human majority (columns). */
export function confusionMatrices(rows, { width = 640 } = {}) {
  const size = Math.max(200, Math.min(260, Math.floor(width / Math.max(1, Math.min(rows.length, 3))) - 12));
  const grid = document.createElement("div");
  grid.className = "confusion-grid";
  grid.style.cssText = "display:flex;flex-wrap:wrap;gap:12px;";
  for (const d of rows) grid.append(confusionMatrix(d, { size }));
  return grid;
}

function confusionMatrix(d, { size }) {
  const cells = [
    { verdict: "jailbroken", human: "jailbroken", count: d.tp, correct: true },
    { verdict: "jailbroken", human: "safe", count: d.fp, correct: false },
    { verdict: "safe", human: "jailbroken", count: d.fn, correct: false },
    { verdict: "safe", human: "safe", count: d.tn, correct: true },
  ];
  const max = Math.max(...cells.map((c) => c.count), 1);
  return Plot.plot({
    title: d.judge,
    width: size,
    height: size - 30,
    marginLeft: 80,
    marginTop: 36,
    padding: 0.04,
    x: { domain: ["jailbroken", "safe"], label: "humans →", axis: "top" },
    y: { domain: ["jailbroken", "safe"], label: "judge ↓" },
    color: { type: "linear", domain: [0, max], scheme: "blues" },
    marks: [
      Plot.cell(cells, { x: "human", y: "verdict", fill: "count", inset: 1.5 }),
      // Errors are outlined.
      Plot.cell(cells.filter((c) => !c.correct), { x: "human", y: "verdict", stroke: "#d95f02", strokeWidth: 3, inset: 1.5 }),
      Plot.text(cells, {
        x: "human",
        y: "verdict",
        text: "count",
        fill: (c) => (c.count > max * 0.55 ? "white" : "black"),
        fontSize: 15,
        fontWeight: "bold",
      }),
    ],
  });
}

/** JailbreakBench's published agreement, FPR and FNR beside thinksafe's, per judge (percent). */
export function reproductionTable(rows) {
  const metrics = [
    ["agreement", "Agreement %"],
    ["fpr", "FPR %"],
    ["fnr", "FNR %"],
  ];
  return html`<table class="estimates reproduction">
    <thead>
      <tr><th rowspan="2">Judge</th>${metrics.map(([, label]) => html`<th colspan="2" class="group">${label}</th>`)}<th rowspan="2">Match</th></tr>
      <tr>${metrics.flatMap(() => [html`<th class="num">published</th>`, html`<th class="num">thinksafe</th>`])}</tr>
    </thead>
    <tbody>${rows.map(
      (d) => html`<tr>
        <td>${d.judge}</td>
        ${metrics.flatMap(([m]) => [html`<td class="num">${d[`published_${m}`]}</td>`, html`<td class="num">${d[m].toFixed(2)}</td>`])}
        <td>${d.reproduces ? "yes" : "NO"}</td>
      </tr>`,
    )}</tbody>
  </table>`;
}
