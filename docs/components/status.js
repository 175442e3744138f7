// The reproduction-status matrix (docs/status.md): one cell per model × benchmark of an experiment,
// its colour saying whether it has results and, if not, what it lacks. Counts are written in a cell
// only where they fit; every cell's full story is in its tooltip and in the reasons below the matrix.
import * as Plot from "npm:@observablehq/plot";

/** Each state a cell can be in, in legend order. */
export const STATES = [
  { id: "answered", label: "answered", color: "#1b9e77" },
  { id: "cached", label: "from cache", color: "#66c2a5" },
  { id: "partial", label: "partial", color: "#e6ab02" },
  { id: "no-endpoint", label: "missing: no endpoint", color: "#d95f02" },
  { id: "no-data", label: "missing: no benchmark data", color: "#7570b3" },
  { id: "no-endpoint-no-data", label: "missing: no endpoint, no data", color: "#5a3d8a" },
  { id: "failed", label: "missing: requests failed", color: "#b2182b" },
];
const LABEL = Object.fromEntries(STATES.map((s) => [s.id, s.label]));

/** The state of one status row: its status, and for a missing cell what it lacks. */
export function stateOf(d) {
  if (d.status !== "missing") return d.status;
  const endpoint = /^endpoint:/.test(d.reason ?? "");
  const data = /benchmark data missing/.test(d.reason ?? "");
  return endpoint && data ? "no-endpoint-no-data" : endpoint ? "no-endpoint" : data ? "no-data" : "failed";
}

const column = (d) => `${d.benchmark_id}/${d.subset}`;
const FONT_PX = 10; // Plot's default font size
const charWidth = 0.62 * FONT_PX; // a generous average for the system sans-serif

/** The matrix of one experiment's status rows, fitted to `width`. */
export function statusMatrix(rows, { width }) {
  const columns = [...new Set(rows.map(column))];
  const models = [...new Set(rows.map((d) => d.model_id))];
  const states = STATES.filter((s) => rows.some((d) => stateOf(d) === s.id));
  const longest = (labels) => Math.max(...labels.map((l) => l.length)) * charWidth;
  const marginLeft = Math.ceil(longest(models)) + 14;
  const labelWidth = longest(columns);
  // Column labels stand upright at 45° whenever they would not fit side by side.
  const maxStep = 96;
  const natural = Math.min(width, marginLeft + 20 + columns.length * maxStep);
  const rotate = labelWidth + 6 > (natural - marginLeft - 20) / columns.length;
  const marginRight = rotate ? Math.ceil(Math.max(20, labelWidth * Math.SQRT1_2 - 10)) : 20;
  const plotWidth = Math.min(width, marginLeft + marginRight + columns.length * maxStep);
  const step = (plotWidth - marginLeft - marginRight) / columns.length;
  const marginTop = rotate ? Math.ceil(labelWidth * Math.SQRT1_2 + 24) : 32;
  const count = (d) => `${d.answered + d.from_cache}/${d.planned}`;
  // A count is written only where it fits in its cell; the colour says the rest.
  const fits = (d) => d.status !== "missing" && count(d).length * charWidth + 6 <= step;
  return Plot.plot({
    width: plotWidth,
    height: marginTop + models.length * 22 + 10,
    marginLeft,
    marginRight,
    marginTop,
    marginBottom: 10,
    x: { axis: "top", label: null, domain: columns, tickRotate: rotate ? -45 : 0 },
    y: { label: null, domain: models },
    color: { domain: states.map((s) => s.id), range: states.map((s) => s.color), legend: true, tickFormat: (id) => LABEL[id] },
    marks: [
      Plot.cell(rows, {
        x: column,
        y: "model_id",
        fill: stateOf,
        inset: 1,
        title: (d) => `${d.model_id} × ${column(d)}: ${LABEL[stateOf(d)]}\n${d.answered} asked, ${d.from_cache} from cache, ${d.errors} failed of ${d.planned}${d.reason ? `\n${d.reason}` : ""}`,
      }),
      Plot.text(rows.filter(fits), { x: column, y: "model_id", text: count, fill: (d) => (stateOf(d) === "answered" ? "white" : "black") }),
    ],
  });
}
