// Tables of estimates that stay legible at any width: each estimate with its 95% interval on a
// second line beneath it (as in the paper's tables), headers that wrap instead of being cut off.
// Text from data goes in through htl's interpolation: text nodes and attribute values, never markup.
import { html } from "npm:htl";

/**
 * `columns`: [{key, label, format?, interval?: [lowKey, highKey], sub?, numeric?, missing?, wrap?, title?}].
 * A column with an `interval` shows `format(row[key])` above `[format(low), format(high)]` (`sub(row)`
 * puts any other small second line there, such as what a model was fine-tuned from); a
 * missing value shows `missing` (default "—"). Cells stay on one line unless their column `wrap`s
 * (prose). `title(row)` adds a tooltip to a row's cells (e.g. n and how the interval was computed).
 */
export function estimateTable(rows, columns, { className = "" } = {}) {
  const numericHeader = (c) => c.numeric ?? (c.interval != null || rows.some((row) => typeof row[c.key] === "number"));
  const missing = (x) => x == null || Number.isNaN(x);
  const cell = (row, c) => {
    const format = c.format ?? String;
    const value = row[c.key];
    const numeric = numericHeader(c);
    const text = missing(value) ? (c.missing ?? "—") : format(value, row);
    const interval =
      c.interval && !missing(value) && !missing(row[c.interval[0]])
        ? html`<span class="interval">[${format(row[c.interval[0]], row)}, ${format(row[c.interval[1]], row)}]</span>`
        : c.sub
          ? html`<span class="interval">${c.sub(row) ?? ""}</span>`
          : "";
    return html`<td class=${[numeric && "num", c.wrap && "wrap"].filter(Boolean).join(" ") || null} title=${c.title?.(row) ?? null}>${text}${interval}</td>`;
  };
  return html`<table class=${`estimates ${className}`.trim()}>
    <thead><tr>${columns.map((c) => html`<th class=${numericHeader(c) ? "num" : null}>${c.label}</th>`)}</tr></thead>
    <tbody>${rows.map((row) => html`<tr>${columns.map((c) => cell(row, c))}</tr>`)}</tbody>
  </table>`;
}
