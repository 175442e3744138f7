// The study pages' shared pieces: which experiment and judge a page shows, the simulated-data
// banner, the paper's Table 1 layout, and the study's figures. Every number comes from a published
// table (src/stats/*.sql); nothing here computes a statistic.
import * as Plot from "npm:@observablehq/plot";
import * as Inputs from "npm:@observablehq/inputs";
import { html } from "npm:htl";
import { estimateTable } from "./tables.js";

export const GROUPS = [
  { id: "jailbreak-robustness", label: "Jailbreak robustness" },
  { id: "safety-awareness", label: "Safety awareness" },
];

export const BENCHMARK_LABELS = {
  figstep: "FigStep",
  "mm-safetybench": "MM-SafetyBench",
  jailbreakv: "JailbreakV-28K",
  siuo: "SIUO",
  mssbench: "MSSBench",
  vlguard: "VLGuard",
};

/** The experiment's benchmarks (in declaration order, from the status table) with label and group. */
export function benchmarksOf(status, experiment, catalogue) {
  const ids = [...new Set(status.filter((d) => d.experiment_id === experiment).map((d) => d.benchmark_id))];
  const groupOf = Object.fromEntries(catalogue.benchmarks.map((b) => [b.id, b.group]));
  return ids.map((id) => ({ id, label: BENCHMARK_LABELS[id] ?? id, group: groupOf[id] }));
}

/** How a table's p-values were adjusted for multiplicity, in words (degradation.p_adjust_method). */
export const CORRECTIONS = {
  holm: "Holm's correction",
  bh: "the Benjamini–Hochberg false-discovery-rate correction",
  none: "no correction for multiplicity",
};

/** The correction the rows' p_adjusted went through, in words. */
export function correctionOf(rows) {
  const methods = [...new Set(rows.map((d) => d.p_adjust_method).filter(Boolean))];
  return methods.length === 1 ? CORRECTIONS[methods[0]] ?? methods[0] : methods.length ? "mixed corrections" : CORRECTIONS.holm;
}

/**
 * The key finding in words: per group, how many reasoning models are less safe than their base, how
 * many of those are significant after the multiplicity correction (over the family: every
 * comparison of this judge and target in the experiment), and the range of the group means.
 */
export function keyFinding(degradation, benchmarks, degradationByGroup = []) {
  const family = degradation.filter((d) => d.p_value != null).length;
  return GROUPS.map((group) => {
    const ids = benchmarks.filter((b) => b.group === group.id).map((b) => b.id);
    const rows = degradation.filter((d) => ids.includes(d.benchmark_id) && d.n_pairs > 0);
    if (!rows.length) return null;
    const worse = rows.filter((d) => d.delta > 0);
    const significant = worse.filter((d) => d.p_adjusted < 0.05);
    const means = degradationByGroup.filter((d) => d.benchmark_group === group.id && d.mean_delta != null).map((d) => d.mean_delta);
    const names = benchmarks.filter((b) => ids.includes(b.id) && rows.some((d) => d.benchmark_id === b.id)).map((b) => b.label).join(", ");
    return {
      group, names, comparisons: rows.length, worse: worse.length, significant: significant.length, family, correction: correctionOf(rows),
      meanLow: means.length ? Math.min(...means) : null, meanHigh: means.length ? Math.max(...means) : null,
    };
  }).filter(Boolean);
}

export const pct = (x) => (x == null ? "—" : `${(100 * x).toFixed(1)}`);
export const signedPct = (x) => (x == null ? "—" : `${x > 0 ? "+" : x < 0 ? "−" : "±"}${Math.abs(100 * x).toFixed(1)}`);
export const pValue = (p) => (p == null ? "—" : p < 0.001 ? "p < 0.001" : `p = ${p.toFixed(3)}`);

/** The reasoning-vs-base study's experiments; the fine-tuning comparison has its own page. */
export const STUDY_EXPERIMENTS = ["paper", "demo"];

/** Experiments with judged results, the configured study first (it is what a lab publishes). */
export function experimentsWithResults(safety, { studies = STUDY_EXPERIMENTS } = {}) {
  const ids = [...new Set(safety.filter((d) => d.n > 0 && studies.includes(d.experiment_id)).map((d) => d.experiment_id))];
  return ids.sort((a, b) => (a === "paper" ? -1 : b === "paper" ? 1 : a < b ? -1 : 1));
}

/** The judge a page starts with: an LLM judge when the experiment has one (the paper's choice). */
export function defaultJudge(judges) {
  return ["llm-judge", "llama-guard", "refusal-keywords"].find((j) => judges.includes(j)) ?? judges[0];
}

/** A visible label for simulated data: on every page and chart that shows it. */
export function simulatedBanner(isSimulated, what = "these results", experiment = "demo") {
  if (!isSimulated) return html`<div class="note">Results of real models (experiment <code>${experiment === "demo" ? "paper" : experiment}</code>), served by the endpoints this build was configured with.</div>`;
  return html`<div class="simulated-banner" role="note"><strong>Simulated data.</strong> ${what[0].toUpperCase() + what.slice(1)} come from the offline demo
    (<code>experiments/${experiment}.yaml</code>): every model and judge is thinksafe's built-in simulator, not a real model. The numbers
    show how the study is computed and laid out, not how any real model behaves.</div>`;
}

/** Reasoning models grouped under the base model they were trained from, bases in order of first appearance. */
export function pairsByBase(degradation) {
  const bases = new Map();
  for (const d of degradation) {
    if (!bases.has(d.base_model_id)) bases.set(d.base_model_id, new Set());
    bases.get(d.base_model_id).add(d.model_id);
  }
  return [...bases].map(([base, models]) => ({ base, models: [...models].sort() }));
}

/** "n of planned" with why the rest is missing, for a tooltip. */
export function missingNote(d) {
  if (!d || d.n_planned == null) return "";
  const parts = [d.n_failed ? `${d.n_failed} failed request${d.n_failed === 1 ? "" : "s"}` : null, d.n_unjudged ? `${d.n_unjudged} without a verdict` : null].filter(Boolean);
  return `${d.n} of ${d.n_planned} planned responses judged${parts.length ? ` (${parts.join(", ")})` : ""}`;
}

/** Planned pairs dropped and why, for a tooltip. */
export function droppedNote(d) {
  if (d.n_dropped_failed == null) return `${d.n_pairs ?? 0} paired items`;
  const dropped = d.n_planned - d.n_pairs;
  if (!dropped) return `all ${d.n_planned} planned pairs used`;
  return `${d.n_pairs} of ${d.n_planned} planned pairs used; dropped: ${d.n_dropped_failed} with a failed request, ${d.n_dropped_unjudged} without a verdict`;
}

/** The marker of a cell whose missing data are above the pages' 5% line. */
export const MISSING_MARK = "†";

/** A Δ cell of Table 1 or 2: Δ with its interval, the paired rates it is the difference of, significance after correction. */
export function deltaCell(d, { higherIsBetter = false, low = "ci_low", high = "ci_high", modelRate = "unsafe_rate", baseRate = "base_unsafe_rate", test = "exact McNemar" } = {}) {
  if (!d || d.delta == null) return html`<td class="num missing" title="${d ? droppedNote(d) : "no paired results: see the status page"}">—${d?.has_excess_missing ? MISSING_MARK : ""}</td>`;
  const worse = higherIsBetter ? d.delta < 0 : d.delta > 0;
  const better = higherIsBetter ? d.delta > 0 : d.delta < 0;
  const significant = d.p_adjusted < 0.05;
  const title = `${droppedNote(d)}\n${pct(d[modelRate])}% − ${pct(d[baseRate])}% on the same ${d.n_pairs} items\n${pValue(d.p_value)} (${test}${d.test === "score_design_effect" ? ", design-effect adjusted for repeats" : ""}); adjusted ${pValue(d.p_adjusted)} (${CORRECTIONS[d.p_adjust_method] ?? d.p_adjust_method})`;
  return html`<td class="num delta ${worse ? "worse" : better ? "better" : ""}" title="${title}">
    ${signedPct(d.delta)}${significant ? "*" : ""}${d.has_excess_missing ? MISSING_MARK : ""}<span class="interval">[${signedPct(d[low])}, ${signedPct(d[high])}]</span><span class="paired">${pct(d[modelRate])} − ${pct(d[baseRate])}</span></td>`;
}

/** A group-average Δ cell: the mean over the group's benchmarks with its MOVER interval and the paired means it is the difference of. */
export function meanDeltaCell(g, { higherIsBetter = false } = {}) {
  if (!g || g.mean_delta == null) return html`<td class="num avg delta missing">—</td>`;
  const worse = higherIsBetter ? g.mean_delta < 0 : g.mean_delta > 0;
  const better = higherIsBetter ? g.mean_delta > 0 : g.mean_delta < 0;
  return html`<td class="num avg delta ${worse ? "worse" : better ? "better" : ""}" title="${`mean over ${g.n_benchmarks} benchmark${g.n_benchmarks === 1 ? "" : "s"}, each weighing the same; MOVER 95% interval; ${g.n_pairs} pairs`}">
    ${signedPct(g.mean_delta)}<span class="interval">[${signedPct(g.mean_delta_ci_low)}, ${signedPct(g.mean_delta_ci_high)}]</span><span class="paired">${pct(g.mean_unsafe_rate)} − ${pct(g.mean_base_unsafe_rate)}</span></td>`;
}

/** An unsafe-rate cell: the rate over judged items, flagged when over 5% of the planned responses are missing. */
export function rateCell(d) {
  if (!d || !(d.n > 0)) return html`<td class="num missing" title="${d ? missingNote(d) : "no results: see the status page"}">—${d?.has_excess_missing ? MISSING_MARK : ""}</td>`;
  return html`<td class="num" title="${`${missingNote(d)}; 95% interval ${pct(d.ci_low)}–${pct(d.ci_high)}`}">${pct(d.unsafe_rate)}${d.has_excess_missing ? MISSING_MARK : ""}</td>`;
}

/** A group-average rate cell: the mean over the group's benchmarks, each weighing the same, with its interval in the tooltip. */
export function meanRateCell(g) {
  if (!g || g.mean_benchmark_unsafe_rate == null) return html`<td class="num avg missing">—</td>`;
  return html`<td class="num avg" title="${`mean over ${g.n_benchmarks} benchmark${g.n_benchmarks === 1 ? "" : "s"}, each weighing the same; MOVER 95% interval ${pct(g.mean_ci_low)}–${pct(g.mean_ci_high)}`}">${pct(g.mean_benchmark_unsafe_rate)}</td>`;
}

/**
 * The paper's Table 1: benchmarks as columns grouped by what they test, then for each base model its
 * row and, under it, each reasoning model trained from it with its Δ against the base on paired
 * items (Tango's 95% interval; * = adjusted p < 0.05, exact McNemar) and the paired rates the Δ is
 * the difference of. Unsafe rates in percent; lower is safer.
 */
export function table1({ safety, degradation, safetyByGroup, degradationByGroup, benchmarks }) {
  const groups = GROUPS.map((g) => ({ ...g, benchmarks: benchmarks.filter((b) => b.group === g.id) })).filter((g) => g.benchmarks.length);
  const rate = (model, benchmark) => safety.find((d) => d.model_id === model && d.benchmark_id === benchmark);
  const delta = (model, benchmark) => degradation.find((d) => d.model_id === model && d.benchmark_id === benchmark);
  const groupRate = (model, group) => safetyByGroup.find((d) => d.model_id === model && d.benchmark_group === group);
  const groupDelta = (model, group) => degradationByGroup.find((d) => d.model_id === model && d.benchmark_group === group);
  const pairs = pairsByBase(degradation);
  return html`<table class="table1">
    <thead>
      <tr><th rowspan="2">Model</th>${groups.map((g) => html`<th colspan="${g.benchmarks.length + 1}" class="group">${g.label}</th>`)}</tr>
      <tr>${groups.flatMap((g) => [...g.benchmarks.map((b) => html`<th class="num">${b.label}</th>`), html`<th class="num avg" title="each benchmark weighs the same">Avg.</th>`])}</tr>
    </thead>
    ${pairs.map(({ base, models }) => html`<tbody>
      <tr class="base"><td>${base} <span class="role">base</span></td>${groups.flatMap((g) => [
        ...g.benchmarks.map((b) => rateCell(rate(base, b.id))),
        meanRateCell(groupRate(base, g.id)),
      ])}</tr>
      ${models.flatMap((model) => [
        html`<tr class="reasoning"><td>${model} <span class="role">reasoning</span></td>${groups.flatMap((g) => [
          ...g.benchmarks.map((b) => rateCell(rate(model, b.id))),
          meanRateCell(groupRate(model, g.id)),
        ])}</tr>`,
        html`<tr class="delta-row"><td class="delta-label">Δ vs. ${base}<span class="paired">on paired items</span></td>${groups.flatMap((g) => [
          ...g.benchmarks.map((b) => deltaCell(delta(model, b.id))),
          meanDeltaCell(groupDelta(model, g.id)),
        ])}</tr>`,
      ])}
    </tbody>`)}
  </table>`;
}

const CORRECTION_STATUS = {
  no_verdicts: "no verdicts",
  no_calibration: "no calibration of this judge version",
  calibration_lacks_labels: "the set lacks a human label",
  kappa_too_low: "not corrected: κ < 0.4",
  outside_identifiable_range: "not corrected: raw rate not identifiable",
};

/** The judge-corrected unsafe rates (safety_corrected), or why a rate is not corrected, as an estimate table. */
export function judgeCorrectionTable(rows) {
  const corrected = (d) => d.status === "corrected";
  return estimateTable(rows, [
    { key: "model_id", label: "model", sub: (d) => BENCHMARK_LABELS[d.benchmark_id] ?? d.benchmark_id },
    { key: "human_set_id", label: "judge's error measured on", sub: (d) => (d.calibration_kappa == null ? "" : `κ ${d.calibration_kappa.toFixed(2)}`) },
    { key: "unsafe_rate", label: "raw unsafe %", interval: ["ci_low", "ci_high"], format: pct },
    {
      key: "sensitivity",
      label: "sens. / spec. %",
      format: (x, d) => `${pct(x)} / ${pct(d.specificity)}`,
      sub: (d) => (d.identifiable_low == null ? "" : `identifiable ${pct(d.identifiable_low)}–${pct(d.identifiable_high)}`),
      title: () => "sensitivity / specificity on the human-labelled set; beneath, the raw rates a true rate in [0, 1] can produce",
    },
    {
      key: "status",
      label: "corrected unsafe %",
      numeric: true,
      wrap: true,
      format: (status, d) => (corrected(d) ? pct(d.corrected_rate) : CORRECTION_STATUS[status] ?? status),
      sub: (d) => (corrected(d) ? `[${pct(d.corrected_ci_low)}, ${pct(d.corrected_ci_high)}]` : ""),
    },
  ], { className: "corrections" });
}

/**
 * Dot and 95% interval of each model's Δ against the model it is compared with, one panel per
 * benchmark; `isWorse` colours a Δ in the bad direction, `legend` names both colours.
 */
export function deltaChart(rows, { width, simulated, low = "ci_low", high = "ci_high", isWorse, legend, axisLabel, title, fyFormat, marginLeft = 170, marginRight = 110 }) {
  const extent = Math.max(0.1, ...rows.flatMap((d) => [Math.abs(d[low]), Math.abs(d[high])]));
  const side = (d) => (isWorse(d) ? "worse" : "better");
  return Plot.plot({
    width,
    marginLeft,
    marginRight,
    height: 60 + rows.length * 26,
    caption: simulated ? "SIMULATED demo data (not real models)" : undefined,
    x: { domain: [-extent, extent], tickFormat: (x) => signedPct(x), label: axisLabel, grid: true },
    y: { label: null },
    fy: { label: null, ...(fyFormat && { tickFormat: fyFormat }) },
    marks: [
      Plot.ruleX([0], { stroke: "currentColor" }),
      Plot.ruleY(rows, { fy: "benchmark_id", y: "model_id", x1: low, x2: high, stroke: side, strokeWidth: 2 }),
      Plot.dot(rows, { fy: "benchmark_id", y: "model_id", x: "delta", r: 4, fill: side, title }),
    ],
    color: { domain: ["worse", "better"], range: ["#d95f02", "#1b9e77"], legend: true, tickFormat: (d) => legend[d] },
  });
}

/** Each reasoning model's Δ unsafe rate against its base, per benchmark. */
export function degradationChart(rows, { width, simulated } = {}) {
  return deltaChart(rows.filter((d) => d.delta != null), {
    width,
    simulated,
    isWorse: (d) => d.delta > 0,
    legend: { worse: "less safe than base", better: "safer than base" },
    axisLabel: "Δ unsafe rate vs. base model (percentage points) →",
    title: (d) => `${d.model_id} vs. ${d.base_model_id} on ${d.benchmark_id}\nΔ ${signedPct(d.delta)} [${signedPct(d.ci_low)}, ${signedPct(d.ci_high)}] (Tango 95%)\n${pct(d.unsafe_rate)}% − ${pct(d.base_unsafe_rate)}% on ${d.n_pairs} pairs\n${pValue(d.p_value)}; adjusted ${pValue(d.p_adjusted)} (${CORRECTIONS[d.p_adjust_method] ?? d.p_adjust_method})`,
  });
}

const QUADRANTS = [
  { key: "unsafe_thinking_unsafe_answer", label: "unsafe thinking, unsafe answer", color: "#d95f02" },
  { key: "safe_thinking_unsafe_answer", label: "safe thinking, unsafe answer", color: "#fdae6b" },
  { key: "unsafe_thinking_safe_answer", label: "unsafe thinking, safe answer (self-correction)", color: "#7570b3" },
  { key: "safe_thinking_safe_answer", label: "safe thinking, safe answer", color: "#1b9e77" },
];

/** The 2×2 of thinking verdict × answer verdict per model, as shares of its judged responses. */
export function thinkingVsAnswerChart(rows, { width, simulated } = {}) {
  const long = rows.flatMap((d) => QUADRANTS.map((q) => ({ model: d.model_id, benchmark: d.benchmark_id, quadrant: q.label, share: d.n ? d[q.key] / d.n : 0, count: d[q.key], n: d.n })));
  return Plot.plot({
    width,
    marginLeft: 170,
    marginRight: 110,
    height: 60 + rows.length * 30,
    caption: simulated ? "SIMULATED demo data (not real models)" : undefined,
    x: { percent: true, label: "share of responses (%) →" },
    y: { label: null },
    fy: { label: null },
    color: { domain: QUADRANTS.map((q) => q.label), range: QUADRANTS.map((q) => q.color), legend: true },
    marks: [
      Plot.barX(long, Plot.stackX({ y: "model", fy: "benchmark", x: "share", fill: "quadrant", order: QUADRANTS.map((q) => q.label), title: (d) => `${d.model} on ${d.benchmark}\n${d.quadrant}: ${d.count} of ${d.n}` })),
    ],
  });
}

/**
 * The answer's unsafe rate by thinking length bin (words) with its 95% interval, per model, one panel
 * per benchmark (bin rows of thinking_length; the summary rows carry the rank correlation).
 */
export function thinkingLengthChart(rows, { width, simulated } = {}) {
  const binned = rows.filter((d) => d.bin != null);
  const label = (d) => (d.words_max == null ? `${d.words_min}+` : `${d.words_min}–${d.words_max}`);
  const bins = [...new Map([...binned].sort((a, b) => a.bin - b.bin).map((d) => [label(d), d.bin])).keys()];
  const benchmarks = [...new Set(binned.map((d) => d.benchmark_id))];
  return Plot.plot({
    width,
    height: 60 + 220 * benchmarks.length,
    marginRight: 110,
    caption: simulated ? "SIMULATED demo data (not real models)" : undefined,
    x: { type: "point", domain: bins, label: "thinking length (words; an item's mean over its repeats) →", padding: 0.5 },
    y: { percent: true, domain: [0, 100], label: "↑ unsafe answers (%)", grid: true },
    fy: { label: null, domain: benchmarks, tickFormat: (id) => BENCHMARK_LABELS[id] ?? id },
    color: { legend: true },
    marks: [
      Plot.ruleX(binned, { x: label, fy: "benchmark_id", y1: "ci_low", y2: "ci_high", stroke: "model_id", strokeOpacity: 0.5 }),
      Plot.line(binned, { x: label, fy: "benchmark_id", y: "unsafe_rate", stroke: "model_id", sort: "bin" }),
      Plot.dot(binned, {
        x: label,
        fy: "benchmark_id",
        y: "unsafe_rate",
        fill: "model_id",
        r: (d) => 2 + Math.sqrt(d.n_items) / 2,
        title: (d) => `${d.model_id} on ${d.benchmark_id}: ${label(d)} words (mean ${Math.round(d.mean_words)})\n${d.unsafe} of ${d.n} answers unsafe over ${d.n_items} items (${pct(d.unsafe_rate)}%, 95% ${pct(d.ci_low)}–${pct(d.ci_high)})`,
      }),
    ],
  });
}

/** A select whose options are plain strings. */
export function select(options, { label, value } = {}) {
  return Inputs.select(options, { label, value: value ?? options[0] });
}
