// The build's two prompt templates, kept as editable files in prompts/: the captioning prompt and
// the teacher prompt. A leading HTML comment documents a file for its editors and is not sent.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sha256 } from "../../provenance.ts";

export const PROMPTS_DIR = fileURLToPath(new URL("./prompts/", import.meta.url));

const TEACHER_PLACEHOLDERS = ["specification", "caption", "question", "label", "category"] as const;
export type TeacherFields = Record<(typeof TEACHER_PLACEHOLDERS)[number], string>;

const PLACEHOLDER = /\{\{(\w+)\}\}/g;
const LEADING_COMMENT = /^\s*<!--[^]*?-->\s*/;

export interface BuildPrompts {
  caption: string;
  teacher: string;
  /** sha256 of each file as it is (comment included), for provenance. */
  sha256: { caption: string; teacher: string };
}

export function loadPrompts(dir = PROMPTS_DIR): BuildPrompts {
  const read = (name: string) => readFileSync(join(dir, name), "utf8");
  const caption = read("caption.md");
  const teacher = read("teacher.md");
  const body = teacher.replace(LEADING_COMMENT, "");
  for (const [, name] of body.matchAll(PLACEHOLDER)) {
    if (!(TEACHER_PLACEHOLDERS as readonly string[]).includes(name!)) {
      throw new Error(`${join(dir, "teacher.md")}: unknown placeholder {{${name}}}; known: ${TEACHER_PLACEHOLDERS.map((p) => `{{${p}}}`).join(" ")}`);
    }
  }
  for (const needed of ["caption", "question"]) {
    if (!body.includes(`{{${needed}}}`)) throw new Error(`${join(dir, "teacher.md")}: the prompt never shows {{${needed}}}`);
  }
  return {
    caption: caption.replace(LEADING_COMMENT, "").trim(),
    teacher: body.trim(),
    sha256: { caption: sha256(caption), teacher: sha256(teacher) },
  };
}

/** The teacher prompt with the fields filled in verbatim, in one pass (a field's own braces stay as they are). */
export function teacherPrompt(prompts: BuildPrompts, fields: TeacherFields): string {
  return prompts.teacher.replace(PLACEHOLDER, (whole, name: string) => fields[name as keyof TeacherFields] ?? whole);
}
