// Reader for the user's copy of MM-SafetyBench's question files (isXinLiu/MM-SafetyBench
// `data/processed_questions/NN-Scenario.json` and `TinyVersion_ID_List.json`). Every problem is a
// DataError naming the file and the field.
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { readTextFile } from "../datasets/input.ts";
import { DataError } from "../errors.ts";

/**
 * Upstream's 13 scenarios, in order, spelled as its file names are (typo "Activitiy" included).
 * The first nine hold harmful requests a safe model refuses. For the last four upstream does not
 * measure refusal: its evaluation judges whether the answer carries a proper disclaimer (legal,
 * financial, health) or stays neutral (government decisions), so `shouldRefuse` is null there.
 */
export const MM_SAFETYBENCH_SCENARIOS = [
  "01-Illegal_Activitiy",
  "02-HateSpeech",
  "03-Malware_Generation",
  "04-Physical_Harm",
  "05-EconomicHarm",
  "06-Fraud",
  "07-Sex",
  "08-Political_Lobbying",
  "09-Privacy_Violence",
  "10-Legal_Opinion",
  "11-Financial_Advice",
  "12-Health_Consultation",
  "13-Gov_Decision",
] as const;

const NOT_JUDGED_BY_REFUSAL = new Set<string>(["10-Legal_Opinion", "11-Financial_Advice", "12-Health_Consultation", "13-Gov_Decision"]);

/** true for scenarios 01–09; null for 10–13, which upstream judges for disclaimers, not refusal. */
export function scenarioShouldRefuse(scenario: string): boolean | null {
  return NOT_JUDGED_BY_REFUSAL.has(scenario) ? null : true;
}

export const QUESTIONS_FOLDER = "processed_questions";
export const TINY_LIST_FILE = "TinyVersion_ID_List.json";

/** The fields thinksafe uses; upstream's files also hold `GPT-Pred`, which is not read. */
const REQUIRED_FIELDS = ["Question", "Changed Question", "Key Phrase", "Phrase Type", "Rephrased Question", "Rephrased Question(SD)"] as const;

export interface MmSafetyQuestion {
  scenario: string;
  /** Upstream's id within the scenario (the JSON key; also the image's file name). */
  id: number;
  question: string;
  changedQuestion: string;
  keyPhrase: string;
  phraseType: string;
  /** The prompt sent with TYPO and SD_TYPO images ("The bottom of the image shows a phrase …"). */
  rephrasedQuestion: string;
  /** The prompt sent with SD images ("The image shows a phrase …"). */
  rephrasedQuestionSd: string;
}

/**
 * Every question under `<root>/processed_questions/`, in scenario order then id order. Scenario files
 * are the `NN-Name.json` files found there; a name that is not one of upstream's 13 is a DataError.
 */
export async function readMmSafetyQuestions(root: string, fix?: string): Promise<MmSafetyQuestion[]> {
  const folder = join(root, QUESTIONS_FOLDER);
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DataError({ file: folder }, code === "ENOENT" ? "folder not found" : `cannot read folder (${code ?? String(error)})`, fix);
  }
  const files = names.filter((name) => name.endsWith(".json")).sort();
  if (files.length === 0) throw new DataError({ file: folder }, "holds no scenario files (NN-Scenario.json)", fix);
  const known = new Set<string>(MM_SAFETYBENCH_SCENARIOS);
  const questions: MmSafetyQuestion[] = [];
  for (const name of files) {
    const scenario = name.slice(0, -".json".length);
    const file = join(folder, name);
    if (!known.has(scenario)) {
      throw new DataError({ file }, `"${scenario}" is not one of MM-SafetyBench's scenarios`, `expected files named ${MM_SAFETYBENCH_SCENARIOS.map((s) => `${s}.json`).join(", ")}`);
    }
    questions.push(...parseScenario(await readTextFile(file), file, scenario));
  }
  return questions;
}

/** Parses one scenario file (`{"<id>": {Question, …}}`); `file` is only used in error messages. */
export function parseScenario(text: string, file: string, scenario: string): MmSafetyQuestion[] {
  const data = parseJson(text, file);
  if (!isObject(data)) throw new DataError({ file }, `must be a JSON object of questions by id, found ${describeJson(data)}`);
  const questions = Object.entries(data).map(([key, value]) => {
    if (!/^(0|[1-9]\d*)$/.test(key)) throw new DataError({ file }, `question id "${key}" is not a whole number`);
    if (!isObject(value)) throw new DataError({ file, column: key }, `question ${key} must be an object, found ${describeJson(value)}`);
    const field = (name: (typeof REQUIRED_FIELDS)[number]): string => {
      const found = value[name];
      if (typeof found === "string" && found.trim() !== "") return found;
      const problem = found === undefined ? "is missing" : `must be a non-empty string, found ${describeJson(found)}`;
      throw new DataError({ file, column: name }, `question ${key}: "${name}" ${problem}`);
    };
    return {
      scenario,
      id: Number(key),
      question: field("Question"),
      changedQuestion: field("Changed Question"),
      keyPhrase: field("Key Phrase"),
      phraseType: field("Phrase Type"),
      rephrasedQuestion: field("Rephrased Question"),
      rephrasedQuestionSd: field("Rephrased Question(SD)"),
    };
  });
  if (questions.length === 0) throw new DataError({ file }, "holds no questions");
  return questions.sort((a, b) => a.id - b.id);
}

/** The Tiny ids by scenario, from `<root>/TinyVersion_ID_List.json` (`[{Scenario, Sampled_ID_List}]`). */
export async function readTinyIds(root: string, fix?: string): Promise<Map<string, Set<number>>> {
  const file = join(root, TINY_LIST_FILE);
  return parseTinyIds(await readTextFile(file, fix), file);
}

export function parseTinyIds(text: string, file: string): Map<string, Set<number>> {
  const data = parseJson(text, file);
  if (!Array.isArray(data)) throw new DataError({ file }, `must be a JSON list of {Scenario, Sampled_ID_List}, found ${describeJson(data)}`);
  const ids = new Map<string, Set<number>>();
  data.forEach((entry: unknown, i) => {
    const where = `entry ${i + 1}`;
    if (!isObject(entry)) throw new DataError({ file }, `${where} must be an object, found ${describeJson(entry)}`);
    const scenario = entry.Scenario;
    if (typeof scenario !== "string" || scenario === "") {
      throw new DataError({ file, column: "Scenario" }, `${where}: "Scenario" must be a scenario name, found ${describeJson(scenario)}`);
    }
    if (ids.has(scenario)) throw new DataError({ file, column: "Scenario" }, `${where}: scenario "${scenario}" is listed twice`);
    const list = entry.Sampled_ID_List;
    if (!Array.isArray(list) || !list.every((id) => Number.isInteger(id) && id >= 0)) {
      throw new DataError({ file, column: "Sampled_ID_List" }, `${where} (${scenario}): "Sampled_ID_List" must be a list of whole numbers, found ${describeJson(list)}`);
    }
    ids.set(scenario, new Set(list as number[]));
  });
  return ids;
}

/** The questions whose ids the Tiny list names; an id with no question is a DataError. */
export function tinyQuestions(questions: MmSafetyQuestion[], tinyIds: Map<string, Set<number>>, tinyFile: string): MmSafetyQuestion[] {
  const present = new Set(questions.map((q) => `${q.scenario}/${q.id}`));
  for (const [scenario, ids] of tinyIds) {
    for (const id of ids) {
      if (!present.has(`${scenario}/${id}`)) {
        throw new DataError({ file: tinyFile, column: "Sampled_ID_List" }, `${scenario} id ${id} has no question in ${QUESTIONS_FOLDER}/${scenario}.json`);
      }
    }
  }
  return questions.filter((q) => tinyIds.get(q.scenario)?.has(q.id) ?? false);
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message)?.[1];
    const line = position === undefined ? undefined : text.slice(0, Number(position)).split("\n").length;
    throw new DataError({ file, ...(line !== undefined && { line }) }, `not valid JSON: ${message}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describeJson(value: unknown): string {
  if (value === undefined) return "nothing";
  const json = JSON.stringify(value);
  return json.length > 40 ? `${json.slice(0, 40)}…` : json;
}
