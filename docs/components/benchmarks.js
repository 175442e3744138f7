// Pieces of the benchmark catalogue (docs/benchmarks.md): a card per benchmark, and a gallery of
// images that stay blurred until the reader clicks one. Text from data goes in through htl's
// interpolation, which always makes text nodes and attribute values, never markup.
import { html } from "npm:htl";

const fmt = (n) => (n == null ? "–" : n.toLocaleString("en-US"));

/** A card per benchmark of `group`, or a sentence saying that none is registered. */
export function benchmarkCards(catalogue, group) {
  const benchmarks = catalogue.benchmarks.filter((b) => b.group === group);
  if (benchmarks.length === 0) return html`<p class="benchmark-none"><i>No ${group} benchmark is registered yet.</i></p>`;
  return html`<div class="benchmark-cards">${benchmarks.map(benchmarkCard)}</div>`;
}

function benchmarkCard(b) {
  // Present means counted and complete: no subset short of its data file, its text or an image.
  const noData = b.subsets.some((s) => s.problem || s.samples === 0);
  const complete = !noData && b.subsets.every((s) => s.imagesMissing === 0 && s.missingExamples.length === 0);
  const status = complete ? "everything present" : noData ? "data missing" : "images missing";
  return html`<section class="card benchmark-card" data-benchmark=${b.id}>
    <h3><code>${b.id}</code> <span class=${`benchmark-status ${complete ? "status-ok" : "status-missing"}`}>${status}</span></h3>
    <p>${b.about ?? html`<i>No description recorded yet (src/site/benchmark-catalogue.ts).</i>`}</p>
    <table class="subset-table">
      <thead><tr><th>Subset</th><th class="num">Samples</th><th class="num">Images present</th><th class="num">Missing</th><th>Missing, for example</th></tr></thead>
      <tbody>${b.subsets.map(
        (s) => html`<tr>
          <td><code>${s.subset}</code>${s.isDefault ? " (default)" : ""}</td>
          <td class="num">${fmt(s.samples)}</td>
          <td class="num">${fmt(s.imagesPresent)}</td>
          <td class="num">${fmt(s.imagesMissing)}</td>
          <td class="missing-examples">${
            s.problem ? "cannot be counted without the data" : s.missingExamples.length ? html`<code>${s.missingExamples[0]}</code>` : ""
          }</td>
        </tr>`
      )}</tbody>
    </table>
    <p class="categories"><b>Categories</b> (${b.categoriesNote})${b.categories.length ? ": " : "."}
      ${b.categories.map((c, i) => html`${i ? ", " : ""}<span class="category">${c.category}${c.count == null ? "" : html` <span class="count">${fmt(c.count)}</span>`}</span>`)}
    </p>
    ${b.howToGet ? html`<details class="how-to-get"><summary>Where to get what is missing</summary><p>${b.howToGet}</p></details>` : html`<p class="how-to-get small">Ships with thinksafe: nothing to download.</p>`}
  </section>`;
}

/**
 * A grid of images, each blurred until clicked (or activated with Enter or Space: each is a
 * button). Clicking again blurs it back. `images` are {sampleId, category, instruction, dataUri}.
 */
export function blurredGallery(images, { id } = {}) {
  return html`<div class="blur-gallery" id=${id ?? null}>${images.map(galleryItem)}</div>`;
}

function galleryItem(image) {
  const hiddenAlt = `Typographic image for ${image.category}, blurred`;
  const img = html`<img src=${image.dataUri} alt=${hiddenAlt}>`;
  const button = html`<button type="button" class="blurred-image" aria-pressed="false" title="Click to reveal">
    ${img}<span class="reveal-hint" aria-hidden="true">click to reveal</span>
  </button>`;
  // The drawn text, shown as text once the image is revealed.
  const text = html`<span class="drawn-text" hidden>${image.instruction}</span>`;
  const label = (revealed) => `${revealed ? "Blur" : "Reveal"} the image for ${image.category}`;
  button.setAttribute("aria-label", label(false));
  button.addEventListener("click", () => {
    const revealed = button.classList.toggle("revealed");
    button.setAttribute("aria-pressed", String(revealed));
    button.setAttribute("aria-label", label(revealed));
    img.alt = revealed ? `Typographic image: ${image.instruction}` : hiddenAlt;
    text.hidden = !revealed;
  });
  return html`<figure class="gallery-item" data-sample=${image.sampleId}>
    ${button}
    <figcaption><b>${image.category}</b> <span class="small muted">${image.sampleId}</span><br>${text}</figcaption>
  </figure>`;
}

/** The first image of each category, in order. */
export function onePerCategory(images) {
  const seen = new Set();
  return images.filter((d) => (seen.has(d.category) ? false : (seen.add(d.category), true)));
}
