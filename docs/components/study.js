// The study pages' shared pieces: which experiment and judge a page shows, the simulated-data
// banner, the paper's Table 1 layout, and the study's figures. Every number comes from a published
// table (src/stats/*.sql); nothing here computes a statistic.
import * as Plot from "npm:@observablehq/plot";
import * as Inputs from "npm:@observablehq/inputs";
import { html } from "npm:htl";

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

/** The key finding in words: how many reasoning models are less safe than their base, per group. */
export function keyFinding(degradation, benchmarks) {
  return GROUPS.map((group) => {
    const ids = benchmarks.filter((b) => b.group === group.id).map((b) => b.id);
    const rows = degradation.filter((d) => ids.includes(d.benchmark_id));
    if (!rows.length) return null;
    const worse = rows.filter((d) => d.delta > 0);
    const significant = worse.filter((d) => d.mcnemar_p < 0.05);
    const mean = rows.reduce((sum, d) => sum + d.delta, 0) / rows.length;
    const names = benchmarks.filter((b) => ids.includes(b.id) && rows.some((d) => d.benchmark_id === b.id)).map((b) => b.label).join(", ");
    return { group, names, comparisons: rows.length, worse: worse.length, significant: significant.length, mean };
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

/**
 * The paper's Table 1: benchmarks as columns grouped by what they test, then for each base model its
 * row and, under it, each reasoning model trained from it with its Δ against the base (paired items,
 * bootstrap 95% interval, exact McNemar p). Unsafe rates in percent; lower is safer.
 */
export function table1({ safety, degradation, safetyByGroup, degradationByGroup, benchmarks }) {
  const groups = GROUPS.map((g) => ({ ...g, benchmarks: benchmarks.filter((b) => b.group === g.id) })).filter((g) => g.benchmarks.length);
  const rate = (model, benchmark) => safety.find((d) => d.model_id === model && d.benchmark_id === benchmark);
  const delta = (model, benchmark) => degradation.find((d) => d.model_id === model && d.benchmark_id === benchmark);
  const groupRate = (model, group) => safetyByGroup.find((d) => d.model_id === model && d.benchmark_group === group);
  const groupDelta = (model, group) => degradationByGroup.find((d) => d.model_id === model && d.benchmark_group === group);
  const rateCell = (d) => (d && d.n > 0 ? html`<td class="num" title="${`n = ${d.n}; Wilson 95% interval ${pct(d.ci_low)}–${pct(d.ci_high)}`}">${pct(d.unsafe_rate)}</td>` : html`<td class="num missing" title="no results: see the status page">—</td>`);
  const deltaCell = (d) => {
    if (!d) return html`<td class="num missing">—</td>`;
    const significant = d.mcnemar_p < 0.05;
    return html`<td class="num delta ${d.delta > 0 ? "worse" : d.delta < 0 ? "better" : ""}" title="${`${d.n_pairs} paired items; ${pValue(d.mcnemar_p)} (exact McNemar)`}">
      ${signedPct(d.delta)}${significant ? "*" : ""}<span class="interval">[${signedPct(d.ci_low)}, ${signedPct(d.ci_high)}]</span></td>`;
  };
  const pairs = pairsByBase(degradation);
  return html`<table class="table1">
    <thead>
      <tr><th rowspan="2">Model</th>${groups.map((g) => html`<th colspan="${g.benchmarks.length + 1}" class="group">${g.label}</th>`)}</tr>
      <tr>${groups.flatMap((g) => [...g.benchmarks.map((b) => html`<th class="num">${b.label}</th>`), html`<th class="num avg">Avg.</th>`])}</tr>
    </thead>
    ${pairs.map(({ base, models }) => html`<tbody>
      <tr class="base"><td>${base} <span class="role">base</span></td>${groups.flatMap((g) => [
        ...g.benchmarks.map((b) => rateCell(rate(base, b.id))),
        html`<td class="num avg">${pct(groupRate(base, g.id)?.mean_benchmark_unsafe_rate)}</td>`,
      ])}</tr>
      ${models.flatMap((model) => [
        html`<tr class="reasoning"><td>${model} <span class="role">reasoning</span></td>${groups.flatMap((g) => [
          ...g.benchmarks.map((b) => rateCell(rate(model, b.id))),
          html`<td class="num avg">${pct(groupRate(model, g.id)?.mean_benchmark_unsafe_rate)}</td>`,
        ])}</tr>`,
        html`<tr class="delta-row"><td class="delta-label">Δ vs. ${base}</td>${groups.flatMap((g) => [
          ...g.benchmarks.map((b) => deltaCell(delta(model, b.id))),
          html`<td class="num avg delta">${signedPct(groupDelta(model, g.id)?.mean_delta)}</td>`,
        ])}</tr>`,
      ])}
    </tbody>`)}
  </table>`;
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
  return deltaChart(rows, {
    width,
    simulated,
    isWorse: (d) => d.delta > 0,
    legend: { worse: "less safe than base", better: "safer than base" },
    axisLabel: "Δ unsafe rate vs. base model (percentage points) →",
    title: (d) => `${d.model_id} vs. ${d.base_model_id} on ${d.benchmark_id}\nΔ ${signedPct(d.delta)} [${signedPct(d.ci_low)}, ${signedPct(d.ci_high)}]\n${d.n_pairs} pairs, ${pValue(d.mcnemar_p)}`,
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

/** The answer's unsafe rate by thinking length bin (words), with Wilson intervals, per model. */
export function thinkingLengthChart(rows, { width, simulated } = {}) {
  const label = (d) => `${d.words_min}–${d.words_max}`;
  const bins = [...new Map([...rows].sort((a, b) => a.bin - b.bin).map((d) => [label(d), d.bin])).keys()];
  return Plot.plot({
    width,
    height: 320,
    caption: simulated ? "SIMULATED demo data (not real models)" : undefined,
    x: { type: "point", domain: bins, label: "thinking length (words) →", padding: 0.5 },
    y: { percent: true, domain: [0, 100], label: "↑ unsafe answers (%)", grid: true },
    color: { legend: true },
    marks: [
      Plot.ruleX(rows, { x: label, y1: "ci_low", y2: "ci_high", stroke: "model_id", strokeOpacity: 0.5 }),
      Plot.line(rows, { x: label, y: "unsafe_rate", stroke: "model_id", sort: "bin" }),
      Plot.dot(rows, {
        x: label,
        y: "unsafe_rate",
        fill: "model_id",
        r: (d) => 2 + Math.sqrt(d.n) / 2,
        title: (d) => `${d.model_id}: ${label(d)} words (mean ${Math.round(d.mean_words)})\n${d.unsafe} of ${d.n} answers unsafe (${pct(d.unsafe_rate)}%)`,
      }),
    ],
  });
}

/** A select whose options are plain strings. */
export function select(options, { label, value } = {}) {
  return Inputs.select(options, { label, value: value ?? options[0] });
}
