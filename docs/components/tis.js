// The TiS dataset page's pieces (docs/tis.md): what each data set is, its composition, length and
// funnel charts, and one record as text. Every number comes from a published table
// (src/stats/tis_*.sql). Records hold teacher output, which is untrusted: every text from the data
// is set with textContent or htl's interpolation (text nodes and attribute values, never markup).
import * as Plot from "npm:@observablehq/plot";
import { html } from "npm:htl";
import { blurredImage, section, textElement } from "./sample-view.js";

/** What each data set is, in the words the page and its captions use. */
export const DATASETS = {
  "tis-sample": {
    name: "tis-sample",
    short: "tis-sample (real)",
    caption: (n) => `Real data: the Think-in-Safety release's ${n} transcribed records (datasets/think-in-safety/)`,
  },
  "tis-demo-build": {
    name: "tis-demo-build",
    short: "tis-demo-build (SIMULATED)",
    caption: (n) => `SIMULATED: the offline demo build's ${n} kept records; captions, teacher answers and verdicts come from thinksafe's simulator`,
  },
};

const label = (dataset) => DATASETS[dataset]?.short ?? dataset;
const caption = (dataset, n) => DATASETS[dataset]?.caption(n) ?? dataset;
const NO_CATEGORY = "(no harm category)";
const SOURCE_COLORS = ["#4269d0", "#efb118", "#ff725c", "#6cc5b0", "#3ca951", "#ff8ab7", "#a463f2", "#97bbf5"]; // Plot's observable10

/** The page's label for what is real and what is simulated. */
export function tisBanner(info) {
  const sample = info.find((d) => d.dataset === "tis-sample");
  const build = info.find((d) => d.dataset === "tis-demo-build");
  return html`<div class="simulated-banner" role="note">
    <p><strong>Simulated data.</strong> <code>tis-demo-build</code> is the offline demo of the construction pipeline
    (<code>experiments/tis-demo.yaml</code>, ${build?.records ?? 0} records kept): its items are made up for the demo, and every
    caption, thinking, answer and verdict comes from thinksafe's built-in simulator, not from a model. It shows how a build is
    filtered and described, not what real TiS data looks like.</p>
    <p><strong>Real data.</strong> <code>tis-sample</code> is the real Think-in-Safety release's ${sample?.records ?? 0} records,
    transcribed (Apache-2.0); the release's images are not shipped with it.</p>
  </div>`;
}

/** Records per harm category, stacked by image source: one chart per data set, captioned with what it is. */
export function compositionChart(rows, { width, dataset, records }) {
  const data = rows.filter((d) => d.dataset === dataset).map((d) => ({ ...d, category: d.harm_category ?? NO_CATEGORY }));
  // One colour per image source on every chart of the page, each legend listing its own sources.
  const allSources = [...new Set(rows.map((d) => d.source))].sort();
  const sources = allSources.filter((s) => data.some((d) => d.source === s));
  const colorOf = (s) => SOURCE_COLORS[allSources.indexOf(s) % SOURCE_COLORS.length];
  return Plot.plot({
    width,
    marginLeft: 150,
    height: 50 + new Set(data.map((d) => d.category)).size * 28,
    caption: caption(dataset, records),
    x: { label: `records of ${dataset} →`, grid: true },
    y: { label: null },
    color: { domain: sources, range: sources.map(colorOf), legend: true, label: "image source" },
    marks: [
      Plot.barX(data, Plot.stackX({
        y: "category",
        x: "n",
        fill: "source",
        sort: { y: "-x" },
        title: (d) => `${d.category}, ${d.source}: ${d.n} record${d.n === 1 ? "" : "s"} (${(100 * d.share).toFixed(1)}% of ${dataset})\n${d.refusals} open with a refusal`,
      })),
      Plot.ruleX([0]),
    ],
  });
}

/** The share of each data set's records per length bin, bars side by side; `measure` is thinking or answer. */
export function lengthChart(rows, { width, measure }) {
  const data = rows.filter((d) => d.measure === measure).map((d) => ({ ...d, range: d.words_max == null ? `${d.words_min}+` : `${d.words_min}–${d.words_max}` }));
  const bins = [...new Map([...data].sort((a, b) => a.bin - b.bin).map((d) => [d.range, d.bin])).keys()];
  const datasets = Object.keys(DATASETS).filter((id) => data.some((d) => d.dataset === id));
  const simulated = data.some((d) => d.is_simulated);
  return Plot.plot({
    width,
    height: 260,
    caption: `${measure === "thinking" ? "Thinking" : "Answer"} length.${simulated ? " tis-demo-build is SIMULATED (its lengths are the simulator's);" : ""} tis-sample is the real release's records.`,
    fx: { domain: bins, label: `${measure} length (words) →`, padding: 0.1 },
    x: { domain: datasets, axis: null, padding: 0.05 },
    y: { percent: true, label: "↑ share of the data set's records (%)", grid: true },
    color: { domain: datasets, range: datasets.map((id) => (id === "tis-demo-build" ? "#d95f02" : "#1b9e77")), legend: true, tickFormat: label },
    marks: [
      Plot.barY(data, { fx: "range", x: "dataset", y: "share", fill: "dataset", title: (d) => `${label(d.dataset)}: ${d.n} record${d.n === 1 ? "" : "s"} with ${d.range} ${measure} words (${(100 * d.share).toFixed(1)}%)` }),
      Plot.ruleY([0]),
    ],
  });
}

/** Items left after each check of the build, in the order the checks run, with the ones it dropped. */
export function funnelChart(rows, { width }) {
  const step = (d) => `${d.step}. ${d.check_id}`;
  const simulated = rows.some((d) => d.is_simulated);
  return Plot.plot({
    width,
    marginLeft: 160,
    marginRight: 40,
    height: 50 + rows.length * 26,
    caption: `${simulated ? "SIMULATED: the demo build's filters applied to simulator output. " : ""}Each bar is the items left after the check; the orange part is what it dropped.`,
    x: { label: "items →", grid: true },
    y: { domain: rows.map(step), label: null },
    color: { domain: ["kept after the check", "dropped by the check"], range: ["#1b9e77", "#d95f02"], legend: true },
    marks: [
      Plot.barX(rows, { y: step, x1: 0, x2: "rows_out", fill: () => "kept after the check", title: (d) => `${d.rows_out} of ${d.rows_in} items pass ${d.check_id}` }),
      Plot.barX(rows, { y: step, x1: "rows_out", x2: "rows_in", fill: () => "dropped by the check", title: (d) => `${d.check_id} dropped ${d.dropped} of ${d.rows_in}: ${d.description}` }),
      Plot.text(rows, { y: step, x: "rows_in", text: (d) => (d.dropped ? `−${d.dropped}` : ""), dx: 4, textAnchor: "start" }),
      Plot.ruleX([0]),
    ],
  });
}

/** One record: question, images (blurred until clicked), thinking and answer, all as text. */
export function tisExample(record, images) {
  const root = document.createElement("article");
  root.className = "sample-view tis-example";
  root.dataset.record = record.record_id;
  root.append(textElement("h2", record.record_id));
  const label = record.is_harmful_request == null ? "unlabelled" : record.is_harmful_request ? "labelled harmful" : "labelled benign";
  root.append(textElement("p", [`source: ${record.source}`, `harm category: ${record.harm_category ?? "none"}`, label, record.is_refusal ? "answer opens with a refusal" : null, `${record.thinking_words} thinking words, ${record.answer_words} answer words`].filter(Boolean).join(" · "), "small muted"));
  // Who wrote it, as the data says (src/site/tis.ts, recordOrigin): the release, the simulator, or a real teacher.
  root.append(textElement("p", record.written_by, record.teacher_simulated === true ? "simulated-banner" : "note"));
  const imageRow = document.createElement("div");
  imageRow.className = "sample-images";
  const paths = record.images ?? [];
  const hashes = record.image_sha256 ?? [];
  paths.forEach((path, i) => {
    const uri = images[hashes[i]];
    if (uri) imageRow.append(blurredImage(uri, record.record_id));
    else imageRow.append(textElement("p", `Image ${path}: not shipped with the sample (it is in the TiS release's images folder).`, "small muted image-missing"));
  });
  root.append(section("Question", textElement("pre", record.question, "model-text prompt-text"), imageRow));
  if (record.thinking != null) root.append(section("Thinking", textElement("pre", record.thinking, "model-text thinking-text")));
  root.append(section("Answer", textElement("pre", record.answer, "model-text answer-text")));
  return root;
}
