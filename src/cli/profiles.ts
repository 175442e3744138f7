// `thinksafe profiles`: every model profile, how it prompts and how it reads replies, with its
// sources and what is unconfirmed. JSON is the records themselves (and each one's hash).
import { UsageError } from "../errors.ts";
import { PROFILE_IDS, PROFILES, profileHash, type MarkupRule, type Profile } from "../models/index.ts";
import { GENERIC_RULES } from "../models/profiles/rules.ts";

export function profilesCommand(ids: readonly string[], format: "table" | "json"): string {
  const unknown = ids.filter((id) => !PROFILE_IDS.includes(id));
  if (unknown.length) throw new UsageError(`unknown profile${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")}; known: ${PROFILE_IDS.join(", ")}`);
  const chosen = ids.length ? PROFILES.filter((p) => ids.includes(p.id)) : PROFILES;
  if (format === "json") {
    return JSON.stringify(
      chosen.map((profile) => ({ ...profile, prefilled: profile.rules.some((r) => r.prefilled), generic_rules_after: GENERIC_RULES.map((r) => r.id), sha256: profileHash(profile) })),
      null,
      2,
    );
  }
  return [
    ...chosen.map(profileBlock),
    `After a profile's own rules every reply is also read with the generic ones (${GENERIC_RULES.map((r) => r.id).join(", ")}); a reasoning or reasoning_content field from the server comes first. Full prompts: --format json.`,
  ].join("\n\n");
}

function profileBlock(profile: Profile): string {
  const { exchange } = profile;
  const lines = [`${profile.id} — ${profile.family} (${profile.kind})`];
  lines.push(`  models: ${profile.models.length ? profile.models.join(", ") : "any (generic)"}`);
  lines.push(`  system prompt: ${profile.system_prompt === null ? "none" : quoted(profile.system_prompt)}`);
  if (exchange.kind === "single") {
    lines.push(`  user message: ${quoted(exchange.user)}`);
    lines.push(`  reply looks like: ${quoted(exchange.layout)}`);
  } else {
    lines.push(`  dialogue of ${exchange.turns.length} turns (earlier replies kept in the conversation):`);
    exchange.turns.forEach((turn, i) => lines.push(`    ${i + 1}. ${quoted(turn.user)} → ${turn.role}${turn.heading ? ` (${turn.heading})` : ""}`));
  }
  for (const rule of profile.rules) lines.push(`  rule ${rule.id}: ${describeRule(rule)}`);
  if (profile.rules.length === 0 && exchange.kind === "single") lines.push("  rules: the generic ones only");
  lines.push(`  pre-fills the opener: ${profile.rules.some((r) => r.prefilled) ? "yes (the reply starts inside the thinking)" : "no"}`);
  const separation = profile.separation;
  lines.push(`  thinking separable: ${separation.kind === "markup" ? (exchange.kind === "dialogue" ? "yes, by its dialogue's turns" : "yes, by its markers") : separation.kind === "heuristic" ? `by a heuristic: ${separation.note}` : `no: ${separation.note}`}`);
  const settings = Object.entries(profile.generation).map(([k, v]) => `${k} ${JSON.stringify(v)}`);
  lines.push(`  recommended generation: ${settings.length ? settings.join(", ") : "none"} (the experiment's own settings override these)`);
  for (const advice of profile.serving) lines.push(`  serving: ${advice}`);
  lines.push("  sources:");
  for (const source of profile.sources) lines.push(`    ${source.checked ? "[read]" : "[notes]"} ${source.ref}: ${source.shows}`);
  lines.push(`  unconfirmed: ${profile.unconfirmed.length ? "" : "nothing"}`);
  for (const part of profile.unconfirmed) lines.push(`    - ${part}`);
  return lines.join("\n");
}

function describeRule(rule: MarkupRule): string {
  const list = (markers: readonly string[]) => markers.map((m) => JSON.stringify(m)).join(" | ");
  const parts = rule.thinking.map((b) => `thinking ${list(b.open)} … ${list(b.close)}${b.heading ? ` (as "${b.heading}:")` : ""}`);
  if (rule.answer) parts.push(`answer ${list(rule.answer.open)}${rule.answer.close.length ? ` … ${list(rule.answer.close)}` : " to the end (the last one)"}, markers removed`);
  parts.push(`text outside the blocks: ${rule.outside === "answer" ? "answer" : "thinking until the answer marker"}`);
  if (rule.implicit_close.length) parts.push(`${list(rule.implicit_close)} ends an unclosed thinking block`);
  if (rule.cues.length) parts.push(`format shown by ${list(rule.cues)} (kept)`);
  if (rule.strip.length) parts.push(`${list(rule.strip)} removed from the answer`);
  if (rule.ignore_case) parts.push("any case");
  return parts.join("; ");
}

/** A prompt on one line: JSON quoting shows its newlines; long ones are cut (the JSON output has them whole). */
function quoted(text: string): string {
  const json = JSON.stringify(text);
  return json.length > 160 ? `${json.slice(0, 157)}…"` : json;
}
