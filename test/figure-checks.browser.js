// Figure checks, run inside the page (test/figure-checks.ts evaluates this file's one function).
// They read what the browser rendered, as a reader would look at it: every Plot chart's SVG and
// scales, and every HTML table. Each problem is one line naming the figure and what is wrong.
// Plain JavaScript on purpose: it is sent to the browser as it is written.
(function figureProblems() {
  const TOLERANCE = 1; // px: anti-aliasing and Plot's half-pixel offsets
  // Problems by figure and check, each with how often it occurred and its first example.
  const found = new Map();
  const report = (where, check, detail) => {
    const key = `${where}: ${check}`;
    const seen = found.get(key);
    if (seen) seen.count++;
    else found.set(key, { count: 1, detail });
  };
  const viewportWidth = document.documentElement.clientWidth;

  /** A short name for an element: the section it is in, the nearest id, its caption, its position. */
  function nameOf(el, index) {
    const owner = el.closest("[id]:not(#observablehq-main):not(#observablehq-center):not([id^='inputs-'])");
    const caption = el.querySelector?.("figcaption, h2, h3")?.textContent?.trim();
    return `${sectionOf(el)}${owner ? `#${owner.id} ` : ""}${el.tagName.toLowerCase()}[${index}]${caption ? ` "${caption.slice(0, 50)}"` : ""}`;
  }

  /** "§ Heading › " for the last h2 or h3 before the element in the page's main column. */
  function sectionOf(el) {
    let node = el;
    while (node.parentElement && node.parentElement.id !== "observablehq-main") node = node.parentElement;
    for (let prev = node; prev; prev = prev.previousElementSibling) {
      const heading = /^H[23]$/.test(prev.tagName) ? prev : prev.querySelector?.("h2, h3");
      if (heading && prev !== node) return `§ ${heading.textContent.trim().slice(0, 40)} › `;
    }
    return "";
  }

  const visible = (el) => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== "hidden";
  };
  const inside = (inner, outer, tolerance = TOLERANCE) =>
    inner.left >= outer.left - tolerance && inner.right <= outer.right + tolerance && inner.top >= outer.top - tolerance && inner.bottom <= outer.bottom + tolerance;
  const overlap = (a, b, margin = 0.5) =>
    Math.min(a.right, b.right) - Math.max(a.left, b.left) > margin && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > margin;
  const centre = (box) => ({ x: (box.left + box.right) / 2, y: (box.top + box.bottom) / 2 });
  const contains = (box, point) => point.x >= box.left && point.x <= box.right && point.y >= box.top && point.y <= box.bottom;
  /** The number a label shows: "80.0" → 80, "−12.5" → −12.5, "50/50" → null. */
  const numberIn = (text) => {
    const match = /^\s*([+\-−±]?)(\d+(?:[.,]\d+)?)\s*%?\s*$/.exec(text);
    if (!match) return null;
    return (match[1] === "-" || match[1] === "−" ? -1 : 1) * Number(match[2].replace(",", "."));
  };
  const texts = (root) => [...root.querySelectorAll("text")].filter((t) => t.textContent.trim() !== "" && visible(t));

  // ---- Plot charts: every element Plot.plot returned (it carries .scale) ----
  const charts = [...document.querySelectorAll("figure, svg")].filter(
    (el) => typeof el.scale === "function" && !el.parentElement?.closest("figure")?.scale,
  );
  charts.forEach((chart, index) => {
    const name = nameOf(chart, index);
    const svg = chart.tagName.toLowerCase() === "svg" ? chart : [...chart.querySelectorAll(":scope > svg")].find((s) => !/-ramp$/.test(s.getAttribute("class") ?? ""));
    if (!svg || !visible(svg)) return;
    const scale = (key) => {
      try {
        return chart.scale(key);
      } catch {
        return undefined;
      }
    };
    const svgBox = svg.getBoundingClientRect();
    const problem = (check, detail) => report(name, check, detail);

    // Nothing wider than the page: a chart that needs a horizontal scroll is cut off for a reader.
    if (svgBox.right > viewportWidth + TOLERANCE) problem("wider than the page", `the chart ends at ${Math.round(svgBox.right)} px, the page at ${viewportWidth} px`);

    // Every text inside the chart: a label past the SVG's edge is clipped.
    for (const text of texts(svg)) {
      const box = text.getBoundingClientRect();
      if (!inside(box, svgBox)) problem("text outside the chart", `"${text.textContent.trim().slice(0, 40)}" runs ${edgeOverrun(box, svgBox)}`);
    }

    // Tick labels of one axis (and facet labels) do not overlap each other.
    for (const group of svg.querySelectorAll('g[aria-label$="tick label"]')) {
      const labels = texts(group);
      for (let i = 0; i < labels.length; i++) {
        for (let j = i + 1; j < labels.length; j++) {
          if (textsOverlap(labels[i], labels[j])) {
            problem(`${group.getAttribute("aria-label")}s overlap`, `"${labels[i].textContent.trim()}" and "${labels[j].textContent.trim()}"`);
          }
        }
      }
    }

    // Marks stay inside the frame their scales draw: a bar or dot beyond it shows a value the axis
    // does not cover (a domain in the wrong units, or too narrow for the data).
    const outsideMarks = new Map(); // mark → [count, first example]
    for (const group of svg.querySelectorAll("g[aria-label]")) {
      const label = group.getAttribute("aria-label");
      if (/axis|grid|tip|text|legend|frame/.test(label)) continue;
      for (const el of group.querySelectorAll("rect, circle, line, path")) {
        const outside = outsideFrame(el, svg, scale);
        if (outside) outsideMarks.set(label, [(outsideMarks.get(label)?.[0] ?? 0) + 1, outsideMarks.get(label)?.[1] ?? outside]);
      }
    }
    for (const [label, [count, example]] of outsideMarks) problem("mark outside the frame", `${count} ${label} mark(s), e.g. ${example}`);

    // Axis text never sits on the data (facet labels on bars, tick labels under dots).
    const markBoxes = [...svg.querySelectorAll('g[aria-label="bar"] rect, g[aria-label="cell"] rect, g[aria-label="dot"] circle')].map((el) => el.getBoundingClientRect());
    for (const text of texts(svg).filter((t) => /axis/.test(t.closest("g[aria-label]")?.getAttribute("aria-label") ?? ""))) {
      const box = text.getBoundingClientRect();
      if (markBoxes.some((mark) => overlap(box, mark, 1))) problem("axis text on the data", `"${text.textContent.trim().slice(0, 40)}" overlaps a mark`);
    }

    // Units: a percent scale's domain is in percent. A domain within ±1 on a percent scale (or ticks
    // 0.0–1.0 under a "%" label) means proportions were given where percentages are drawn.
    for (const key of ["x", "y", "fx", "fy", "color", "r"]) {
      const s = scale(key);
      if (s?.percent && s.domain.every((d) => typeof d === "number" && Math.abs(d) <= 1)) {
        problem(`${key} scale in the wrong units`, `a percent scale with domain [${s.domain.join(", ")}]: proportions given where percentages are drawn`);
      }
    }
    for (const axis of svg.querySelectorAll('g[aria-label$="-axis label"]')) {
      if (!/%/.test(axis.textContent)) continue;
      const which = axis.getAttribute("aria-label").replace(/ label$/, "");
      const ticks = texts(svg.querySelector(`g[aria-label="${which} tick label"]`) ?? document.createElement("g")).map((t) => numberIn(t.textContent)).filter((v) => v !== null);
      if (ticks.length >= 3 && ticks.every((v) => Math.abs(v) <= 1)) {
        problem(`${which} ticks in the wrong units`, `"${axis.textContent.trim()}" over ticks ${ticks.join(", ")}`);
      }
    }

    // Heat maps: a continuous colour scale must separate the values shown, and a value written on a
    // cell must lie within the legend's domain.
    const color = scale("color");
    const cells = [...svg.querySelectorAll('g[aria-label="cell"] rect')].filter(visible);
    const continuous = color && !["ordinal", "categorical", "threshold", "quantile", "quantize", "identity"].includes(color.type);
    const labels = texts(svg).filter((t) => t.closest("g[aria-label]")?.getAttribute("aria-label") === "text");
    const labelled = cells.map((cell) => {
      const box = cell.getBoundingClientRect();
      const text = labels.find((t) => contains(box, centre(t.getBoundingClientRect())));
      return { cell, box, text, value: text ? numberIn(text.textContent) : null, fill: getComputedStyle(cell).fill };
    });
    if (continuous && cells.length >= 2) {
      const fills = new Set(labelled.map((c) => c.fill));
      const values = new Set(labelled.map((c) => c.value).filter((v) => v !== null));
      if (fills.size === 1 && values.size !== 1) problem("heat-map colours all equal", `${cells.length} cells share one colour (${[...fills][0]})`);
      const byValue = new Map();
      for (const c of labelled.filter((c) => c.value !== null)) {
        if (!byValue.has(c.value)) byValue.set(c.value, c.fill);
      }
      const seen = new Map();
      for (const [value, fill] of byValue) {
        if (seen.has(fill)) problem("colour does not separate values", `cells showing ${seen.get(fill)} and ${value} have the same colour ${fill}`);
        else seen.set(fill, value);
      }
      const [low, high] = [Math.min(...color.domain), Math.max(...color.domain)];
      const outside = [...byValue.keys()].filter((v) => v < low - 1e-9 || v > high + 1e-9);
      if (outside.length) problem("values outside the colour legend", `cells show ${outside.slice(0, 5).join(", ")} but the legend covers [${low}, ${high}]`);
    }

    // Text written on a cell or bar fits inside it ("o endpoint, no da" is not a label).
    const boxes = [...svg.querySelectorAll('g[aria-label="cell"] rect, g[aria-label="bar"] rect')].filter(visible).map((el) => el.getBoundingClientRect());
    for (const text of labels) {
      const box = text.getBoundingClientRect();
      const holder = boxes.find((b) => contains(b, centre(box)));
      if (holder && !inside(box, holder)) problem("text outside its cell", `"${text.textContent.trim().slice(0, 40)}" is ${Math.round(box.width)} px wide in a ${Math.round(holder.width)} px cell`);
    }
  });

  // Legends drawn as their own SVG (colour ramps): labels inside, ticks apart.
  [...document.querySelectorAll("svg")].filter((svg) => /-ramp$/.test(svg.getAttribute("class") ?? "") && visible(svg)).forEach((svg, index) => {
    const name = `${nameOf(svg, index)} (legend)`;
    const svgBox = svg.getBoundingClientRect();
    const labels = texts(svg);
    for (const text of labels) {
      // Plot centres the end labels on the ramp's ends: half a label may stand past them.
      const box = text.getBoundingClientRect();
      if (!inside(box, svgBox, TOLERANCE + box.width / 2)) report(name, "text outside the legend", `"${text.textContent.trim()}"`);
    }
    const ticks = [...svg.querySelectorAll(".tick text")].filter(visible);
    for (let i = 0; i < ticks.length; i++) {
      for (let j = i + 1; j < ticks.length; j++) {
        if (overlap(ticks[i].getBoundingClientRect(), ticks[j].getBoundingClientRect())) report(name, "legend ticks overlap", `"${ticks[i].textContent}" and "${ticks[j].textContent}"`);
      }
    }
  });

  // ---- HTML tables ----
  [...document.querySelectorAll("#observablehq-main table")].filter(visible).forEach((table, index) => {
    const name = nameOf(table, index);
    // Headers are never cut off ("agreem…", "95% …").
    for (const th of table.querySelectorAll("thead th")) {
      const text = th.textContent.trim();
      if (text && th.scrollWidth > th.clientWidth + TOLERANCE) report(name, "header cut off", `"${text}" needs ${th.scrollWidth} px, has ${th.clientWidth} px`);
    }
    // Numbers are never cut off either (free text may end in an ellipsis: the full text is a click away).
    for (const td of table.querySelectorAll("tbody td")) {
      const text = td.textContent.trim();
      if (/^[\s\d.,%+\-−±–/[\]<>*pn=]+$/.test(text) && /\d/.test(text) && td.scrollWidth > td.clientWidth + TOLERANCE) {
        report(name, "number cut off", `"${text}" needs ${td.scrollWidth} px, has ${td.clientWidth} px`);
      }
    }
    // Every column is on the page: a table wider than its box hides columns behind a scroll bar,
    // unless the box says it scrolls by design (a query result of any shape).
    const box = scrollBox(table);
    if (box && !box.closest(".scrolls-by-design") && box.scrollWidth > box.clientWidth + TOLERANCE) {
      report(name, "columns hidden", `the table needs ${box.scrollWidth} px, its box shows ${box.clientWidth} px`);
    }
    const right = table.getBoundingClientRect().right;
    if (!box && right > viewportWidth + TOLERANCE) report(name, "wider than the page", `ends at ${Math.round(right)} px, the page at ${viewportWidth} px`);
  });

  // ---- Images: shown whole and undistorted ----
  [...document.querySelectorAll("#observablehq-main img")].filter((img) => visible(img) && img.complete && img.naturalWidth > 0).forEach((img, index) => {
    const name = nameOf(img, index);
    const box = img.getBoundingClientRect();
    const clip = clipBoxOf(img);
    if (clip && !inside(box, clip.getBoundingClientRect())) report(name, "image clipped", `${Math.round(box.width)}×${Math.round(box.height)} px shown in a ${Math.round(clip.getBoundingClientRect().width)}×${Math.round(clip.getBoundingClientRect().height)} px box`);
    if (box.right > viewportWidth + TOLERANCE) report(name, "image wider than the page", `ends at ${Math.round(box.right)} px`);
    const distortion = box.width / box.height / (img.naturalWidth / img.naturalHeight);
    if (Math.abs(distortion - 1) > 0.02) report(name, "image distorted", `${img.naturalWidth}×${img.naturalHeight} drawn at ${Math.round(box.width)}×${Math.round(box.height)} px`);
  });

  // Nothing makes the page itself scroll sideways.
  const page = document.scrollingElement;
  if (page.scrollWidth > page.clientWidth + TOLERANCE) report("page", "wider than the window", `${page.scrollWidth} px in ${page.clientWidth} px`);

  return [...found].map(([key, { count, detail }]) => `${key}: ${detail}${count > 1 ? ` (and ${count - 1} more)` : ""}`);

  /**
   * Whether two labels overlap. Rotated labels are compared along and across their common
   * direction: their axis-aligned boxes overlap long before the words do.
   */
  function textsOverlap(a, b) {
    const boxA = a.getBoundingClientRect();
    const boxB = b.getBoundingClientRect();
    const angle = rotation(a);
    if (angle === 0 || rotation(b) !== angle) return overlap(boxA, boxB);
    const [ca, cb] = [centre(boxA), centre(boxB)];
    const [dx, dy] = [cb.x - ca.x, cb.y - ca.y];
    const theta = (angle * Math.PI) / 180;
    const along = Math.abs(dx * Math.cos(theta) + dy * Math.sin(theta));
    const across = Math.abs(-dx * Math.sin(theta) + dy * Math.cos(theta));
    const height = parseFloat(getComputedStyle(a).fontSize) || 10;
    return across < height - 0.5 && along < (a.getComputedTextLength() + b.getComputedTextLength()) / 2;
  }

  /** The rotation of a text (or of the tick group holding it), in degrees. */
  function rotation(text) {
    for (let node = text; node && node.tagName.toLowerCase() !== "svg"; node = node.parentNode) {
      const match = /rotate\(\s*(-?[\d.]+)/.exec(node.getAttribute("transform") ?? "");
      if (match) return Number(match[1]);
    }
    return 0;
  }

  /** The nearest ancestor that clips its content in either direction, if any. */
  function clipBoxOf(el) {
    for (let node = el.parentElement; node && node.id !== "observablehq-main"; node = node.parentElement) {
      const style = getComputedStyle(node);
      if (/(auto|scroll|hidden|clip)/.test(style.overflowX + style.overflowY)) return node;
    }
    return null;
  }

  /** The nearest ancestor that clips or scrolls horizontally, if any. */
  function scrollBox(el) {
    for (let node = el.parentElement; node && node.id !== "observablehq-main"; node = node.parentElement) {
      if (/(auto|scroll|hidden)/.test(getComputedStyle(node).overflowX)) return node;
    }
    return null;
  }

  function edgeOverrun(box, outer) {
    const sides = [
      ["left", outer.left - box.left],
      ["right", box.right - outer.right],
      ["top", outer.top - box.top],
      ["bottom", box.bottom - outer.bottom],
    ].filter(([, d]) => d > TOLERANCE);
    return sides.map(([side, d]) => `${Math.round(d)} px past the ${side} edge`).join(", ");
  }

  /**
   * Whether a mark element lies outside the frame its position scales draw, in the SVG's own
   * coordinates (facets are translated groups). Dots are judged by their centre, so a dot on the
   * frame's edge is inside. Returns a description, or null.
   */
  function outsideFrame(el, svg, scale) {
    if (!visible(el)) return null;
    const root = svg.getScreenCTM();
    const parent = el.parentNode.getScreenCTM?.();
    const own = el.getScreenCTM();
    if (!root || !parent || !own) return null;
    const toRoot = root.inverse().multiply(own);
    const offset = root.inverse().multiply(parent); // the facet's (and mark's) translation
    const b = el.getBBox();
    const corners = [
      [b.x, b.y],
      [b.x + b.width, b.y + b.height],
    ].map(([x, y]) => new DOMPoint(x, y).matrixTransform(toRoot));
    let [x1, x2] = [Math.min(corners[0].x, corners[1].x), Math.max(corners[0].x, corners[1].x)];
    let [y1, y2] = [Math.min(corners[0].y, corners[1].y), Math.max(corners[0].y, corners[1].y)];
    if (el.tagName.toLowerCase() === "circle") [x1, x2, y1, y2] = [(x1 + x2) / 2, (x1 + x2) / 2, (y1 + y2) / 2, (y1 + y2) / 2];
    const width = Number(el.getAttribute("stroke-width") ?? el.closest("[stroke-width]")?.getAttribute("stroke-width") ?? 1) / 2;
    const slack = TOLERANCE + width;
    for (const [key, low, high, translate] of [
      ["x", x1, x2, offset.e],
      ["y", y1, y2, offset.f],
    ]) {
      const range = scale(key)?.range;
      if (!range || range.length !== 2) continue;
      const [from, to] = [Math.min(...range) + translate, Math.max(...range) + translate];
      if (low < from - slack || high > to + slack) {
        return `${el.tagName.toLowerCase()} spans ${key} ${Math.round(low)}–${Math.round(high)} px, the frame ${Math.round(from)}–${Math.round(to)} px`;
      }
    }
    return null;
  }
})
