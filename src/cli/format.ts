// Plain-text tables for the terminal.

export type Align = "left" | "right";

export function textTable(header: string[], rows: string[][], align: Align[] = []): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (align[i] === "right" ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** `90.3 [86.5, 93.2]`; "n/a" when the value is undefined (e.g. no negatives for an FPR). */
export function withInterval(value: unknown, low: unknown, high: unknown, digits: number): string {
  if (typeof value !== "number") return "n/a";
  const f = (x: unknown) => (typeof x === "number" ? x.toFixed(digits) : "?");
  return `${f(value)} [${f(low)}, ${f(high)}]`;
}
