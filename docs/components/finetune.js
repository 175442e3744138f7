// The fine-tuning comparison's pieces (docs/finetune.md): the paper's Table 2 layout, capability
// retention and thinking retention. Every number comes from a published table (src/stats/*.sql);
// nothing here computes a statistic. Model ids are shown as text only.
import * as Plot from "npm:@observablehq/plot";
import { html } from "npm:htl";
import { CORRECTIONS, deltaCell, deltaChart, GROUPS, meanDeltaCell, meanRateCell, pct, pValue, rateCell, signedPct } from "./study.js";

export const CAPABILITY_LABELS = {
  mmmu: "MMMU",
  mmstar: "MMStar",
  "mm-vet": "MM-Vet",
  pope: "POPE",
  "synthetic-shapes": "Synthetic shapes",
};

const TRAINING_SETS = { vlguard: "VLGuard", mis: "MIS", "spa-vl": "SPA-VL", tis: "TiS" };

/** The fine-tuning experiments that have results, the configured one first. */
export function finetuneExperiments(rows) {
  const ids = [...new Set(rows.filter((d) => d.experiment_id.startsWith("finetune")).map((d) => d.experiment_id))];
  return ids.sort((a, b) => (a === "finetune" ? -1 : b === "finetune" ? 1 : a < b ? -1 : 1));
}

/** What a checkpoint was trained on, from its id (`r1-onevision-7b-tis` under `r1-onevision-7b`: "TiS"). */
export function trainedOn(model, untuned) {
  const suffix = model.startsWith(`${untuned}-`) ? model.slice(untuned.length + 1) : model;
  return TRAINING_SETS[suffix] ?? suffix;
}

/** Each untuned model with its fine-tuned checkpoints, in order of first appearance and of the training sets. */
export function checkpointsByUntuned(rows) {
  const order = Object.keys(TRAINING_SETS);
  const groups = new Map();
  for (const d of rows) {
    if (d.base_model_id == null) continue;
    if (!groups.has(d.base_model_id)) groups.set(d.base_model_id, new Set());
    groups.get(d.base_model_id).add(d.model_id);
  }
  const rank = (untuned, model) => {
    const i = order.indexOf(model.slice(untuned.length + 1));
    return i < 0 ? order.length : i;
  };
  return [...groups].map(([untuned, models]) => ({ untuned, checkpoints: [...models].sort((a, b) => rank(untuned, a) - rank(untuned, b) || (a < b ? -1 : 1)) }));
}

/**
 * The paper's Table 2: safety benchmarks grouped by what they test (unsafe rate, lower is safer; the
 * group's mean, each benchmark weighing the same), then the capability benchmarks (accuracy, higher
 * is better). Under each untuned model, each fine-tuned checkpoint and its Δ against the untuned
 * model on paired items (Tango's 95% interval; the paired values under it; * = p < 0.05 after the
 * multiplicity correction, exact McNemar).
 */
export function table2({ safety, degradation, safetyByGroup, degradationByGroup, capability, benchmarks }) {
  const groups = GROUPS.map((g) => ({ ...g, benchmarks: benchmarks.filter((b) => b.group === g.id) })).filter((g) => g.benchmarks.length);
  const capabilityBenchmarks = benchmarks.filter((b) => b.group === "capability");
  const find = (rows, model, key, value) => rows.find((d) => d.model_id === model && d[key] === value);
  const value = (x, title) => html`<td class="num" title="${title}">${pct(x)}</td>`;
  const missing = () => html`<td class="num missing" title="no results: see the status page">—</td>`;
  const accuracyCell = (d) =>
    d && d.n > 0
      ? value(d.accuracy, `${d.n} of ${d.n_planned} planned answers scored${d.n_failed ? `, ${d.n_failed} failed` : ""}${d.n_unscored ? `, ${d.n_unscored} unscored` : ""}; 95% interval ${pct(d.ci_low)}–${pct(d.ci_high)}`)
      : missing();
  const capabilityDelta = (d) =>
    d && d.n_pairs > 0
      ? deltaCell(d, { higherIsBetter: true, low: "delta_ci_low", high: "delta_ci_high", modelRate: "model_accuracy", baseRate: "base_accuracy", test: d.is_graded ? "score test on grades" : "exact McNemar" })
      : html`<td class="num missing">—</td>`;
  const valueCells = (model) => [
    ...groups.flatMap((g) => [
      ...g.benchmarks.map((b) => rateCell(find(safety, model, "benchmark_id", b.id))),
      meanRateCell(find(safetyByGroup, model, "benchmark_group", g.id)),
    ]),
    ...capabilityBenchmarks.map((b, i) => {
      const cell = accuracyCell(find(capability, model, "benchmark_id", b.id));
      if (i === 0) cell.classList.add("avg");
      return cell;
    }),
  ];
  const deltaCells = (model) => [
    ...groups.flatMap((g) => [
      ...g.benchmarks.map((b) => deltaCell(find(degradation, model, "benchmark_id", b.id))),
      meanDeltaCell(find(degradationByGroup, model, "benchmark_group", g.id)),
    ]),
    ...capabilityBenchmarks.map((b, i) => {
      const cell = capabilityDelta(find(capability, model, "benchmark_id", b.id));
      if (i === 0) cell.classList.add("avg");
      return cell;
    }),
  ];
  const blocks = checkpointsByUntuned([...degradation, ...capability]);
  return html`<table class="table1 table2">
    <thead>
      <tr><th rowspan="2">Model</th>${groups.map((g) => html`<th colspan="${g.benchmarks.length + 1}" class="group">${g.label} <span class="role">unsafe % ↓</span></th>`)}${
        capabilityBenchmarks.length ? html`<th colspan="${capabilityBenchmarks.length}" class="group avg">General capability <span class="role">accuracy % ↑</span></th>` : ""
      }</tr>
      <tr>${groups.flatMap((g) => [...g.benchmarks.map((b) => html`<th class="num">${b.label}</th>`), html`<th class="num avg">Avg.</th>`])}${capabilityBenchmarks.map(
        (b, i) => html`<th class="num ${i === 0 ? "avg" : ""}">${CAPABILITY_LABELS[b.id] ?? b.label}</th>`,
      )}</tr>
    </thead>
    ${blocks.map(({ untuned, checkpoints }) => html`<tbody>
      <tr class="base"><td>${untuned} <span class="role">untuned</span></td>${valueCells(untuned)}</tr>
      ${checkpoints.flatMap((model) => [
        html`<tr class="reasoning"><td>${model} <span class="role">fine-tuned on ${trainedOn(model, untuned)}</span></td>${valueCells(model)}</tr>`,
        html`<tr class="delta-row"><td class="delta-label">Δ vs. ${untuned}<span class="paired">on paired items</span></td>${deltaCells(model)}</tr>`,
      ])}
    </tbody>`)}
  </table>`;
}

/** Each checkpoint's capability Δ against its untuned model, per benchmark. */
export function capabilityRetentionChart(rows, { width, simulated } = {}) {
  return deltaChart(rows, {
    width,
    simulated,
    low: "delta_ci_low",
    high: "delta_ci_high",
    isWorse: (d) => d.delta < 0,
    legend: { worse: "lost", better: "kept or gained" },
    axisLabel: "Δ accuracy vs. the untuned model (percentage points) →",
    fyFormat: (id) => CAPABILITY_LABELS[id] ?? id,
    marginLeft: 190,
    marginRight: 130,
    title: (d) => `${d.model_id} vs. ${d.base_model_id} on ${d.benchmark_id}\naccuracy ${pct(d.model_accuracy)}% vs. ${pct(d.base_accuracy)}% on ${d.n_pairs} paired items\nΔ ${signedPct(d.delta)} [${signedPct(d.delta_ci_low)}, ${signedPct(d.delta_ci_high)}] (Tango 95%)\n${pValue(d.p_value)}; adjusted ${pValue(d.p_adjusted)} (${CORRECTIONS[d.p_adjust_method] ?? d.p_adjust_method})`,
  });
}

/** Each model's share of answers with a thought process (Wilson 95% interval), each untuned model above its checkpoints. */
export function thinkingRetentionChart(rows, { width, simulated } = {}) {
  return Plot.plot({
    width,
    marginLeft: 190,
    marginRight: 20,
    height: 70 + rows.length * 26,
    caption: simulated ? "SIMULATED demo data (not real models)" : undefined,
    // Shares drawn as percent: the domain is in percent.
    x: { domain: [0, 100], percent: true, label: "answers that keep a thought process (%) →", grid: true },
    y: { label: null, domain: rows.map((d) => d.model_id) },
    color: { domain: ["untuned", "fine-tuned"], range: ["#7570b3", "#1b9e77"], legend: true },
    marks: [
      Plot.barX(rows, {
        y: "model_id",
        x: "thinking_rate",
        fill: (d) => (d.base_model_id == null ? "untuned" : "fine-tuned"),
        fillOpacity: 0.7,
        title: (d) => `${d.model_id}: ${d.n_thinking} of ${d.n} answers with thinking (${pct(d.thinking_rate)}%)\nWilson 95% interval ${pct(d.ci_low)}–${pct(d.ci_high)}%`,
      }),
      Plot.ruleY(rows, { y: "model_id", x1: "ci_low", x2: "ci_high", stroke: "currentColor" }),
      Plot.ruleX([0]),
    ],
  });
}
