// One sample as the sample browser shows it: the prompt, its images blurred until clicked, the
// model's thinking and answer, and every judge's verdict with its explanation. Model output is
// untrusted, so every text from the data is set with textContent: markup in it shows as text.

/** An element with `text` as its only (text) content. */
export function textElement(tag, text, className) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  el.textContent = text ?? "";
  return el;
}

/** A titled section of a sample or record view. */
export function section(title, ...children) {
  const el = document.createElement("section");
  el.className = "sample-section";
  el.append(textElement("h3", title), ...children);
  return el;
}

/** A button holding a blurred image; a click reveals it (and blurs it again). */
export function blurredImage(dataUri, label) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "blurred-image";
  button.setAttribute("aria-pressed", "false");
  button.setAttribute("aria-label", `Reveal the image of ${label}`);
  button.title = "Click to reveal";
  const img = document.createElement("img");
  img.src = dataUri;
  img.alt = `Image of ${label}, blurred`;
  const hint = textElement("span", "click to reveal", "reveal-hint");
  hint.setAttribute("aria-hidden", "true");
  button.append(img, hint);
  button.addEventListener("click", () => {
    const revealed = button.classList.toggle("revealed");
    button.setAttribute("aria-pressed", String(revealed));
    button.setAttribute("aria-label", `${revealed ? "Blur" : "Reveal"} the image of ${label}`);
  });
  return button;
}

/** responses.judge_context's fields (src/judges/context.ts) as the sample view names them. */
const JUDGE_CONTEXT_LABELS = [
  ["request", "Request, as the benchmark states it"],
  ["intent", "Intent"],
  ["typed_text", "Text typed into the image"],
  ["key_phrase", "Key phrase"],
  ["attack", "Attack"],
  ["image_description", "What the image shows (the benchmark's words)"],
  ["situation", "Situation / image label"],
  ["safety_warning", "Safety warning"],
  ["reference_answer", "Reference answer"],
  ["caption", "Caption (a captioning model's)"],
];

/** What the judges were told beyond the prompt, as a list of labelled texts; null when nothing. */
export function judgeContextList(judgeContext) {
  // An Arrow STRUCT cell reads like an object; null when the sample has no context (capability items).
  const context = judgeContext?.toJSON?.() ?? judgeContext;
  const parts = JUDGE_CONTEXT_LABELS.filter(([field]) => context?.[field] != null);
  if (parts.length === 0) return null;
  const list = document.createElement("dl");
  list.className = "judge-context";
  for (const [field, label] of parts) list.append(textElement("dt", label), textElement("dd", String(context[field]), "model-text"));
  return list;
}

/** Why a response shows no thinking: its model's profile cannot separate any, or this reply had none of its markers. */
function noThinking(response, profile) {
  if (profile?.thinking_separation === "none") return `Not separated for ${response.model_id} (profile ${profile.profile}): ${profile.thinking_note}.`;
  if (response.reasoning_source === "none") {
    return `None found: this reply has none of the thinking markers of ${response.profile ? `the ${response.profile} profile` : "its profile"}, so the whole output is the answer.`;
  }
  return "The thinking block is empty.";
}

/**
 * The full view of one response and its judgments. `profile` (a row of model_profiles, optional)
 * says why a response has no thinking when its model's thinking cannot be separated.
 */
export function sampleView(response, judgments, images, profile) {
  const root = document.createElement("article");
  root.className = "sample-view";
  const label = `${response.benchmark_id}/${response.sample_id}`;
  const heading = textElement("h2", `${response.model_id} on ${label}${response.repeat ? ` (repeat ${response.repeat})` : ""}`);
  const meta = textElement(
    "p",
    [response.category && `category: ${response.category}`, response.finish_reason && `finish: ${response.finish_reason}`, response.profile && `profile: ${response.profile}`, response.reasoning_source && `thinking from: ${response.reasoning_source}`, response.is_simulated ? "SIMULATED response" : null]
      .filter(Boolean)
      .join(" · "),
    "small muted",
  );
  root.append(heading, meta);
  if (response.is_simulated) root.append(textElement("p", "Simulated: this text was written by thinksafe's simulator, not by a model.", "simulated-banner"));

  const imageRow = document.createElement("div");
  imageRow.className = "sample-images";
  for (const sha of response.image_sha256 ?? []) {
    if (images[sha]) imageRow.append(blurredImage(images[sha], label));
    else imageRow.append(textElement("p", `image ${sha.slice(0, 12)}… not published (it comes from your copy of the benchmark; build with THINKSAFE_PUBLISH_USER_IMAGES=1 to include such images)`, "small muted"));
  }
  root.append(section("Prompt", textElement("pre", response.prompt, "model-text prompt-text"), imageRow));
  const context = judgeContextList(response.judge_context);
  if (context) root.append(section("What the judges are told (from the benchmark's data)", context));
  if (response.error) root.append(section("Error", textElement("pre", `${response.error_kind}: ${response.error}`, "model-text")));
  if (response.thinking != null) root.append(section("Thinking", textElement("pre", response.thinking, "model-text thinking-text")));
  else if (!response.error) root.append(section("Thinking", textElement("p", noThinking(response, profile), "small muted thinking-note")));
  root.append(section("Answer", textElement("pre", response.answer ?? "(no answer)", "model-text answer-text")));

  const table = document.createElement("table");
  table.className = "verdicts";
  const head = table.createTHead().insertRow();
  for (const h of ["judge", "judged text", "verdict", "score", "explanation"]) head.append(textElement("th", h));
  const body = table.createTBody();
  for (const j of judgments) {
    const row = body.insertRow();
    row.className = j.unsafe === true ? "verdict-unsafe" : j.unsafe === false ? "verdict-safe" : "verdict-unresolved";
    row.append(
      textElement("td", j.judge_id),
      textElement("td", j.target),
      textElement("td", j.verdict),
      textElement("td", j.score == null ? "" : String(j.score)),
      textElement("td", j.explanation ?? ""),
    );
  }
  root.append(section("Verdicts", judgments.length ? table : textElement("p", "Not judged (the request failed, or the experiment has no judges).")));
  return root;
}
