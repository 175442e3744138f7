// JailBreakV-28K (Luo et al., "JailBreakV: A Benchmark for Assessing the Robustness of MultiModal
// Large Language Models against Jailbreak Attacks", COLM 2024; github.com/EddyLuo/JailBreakV_28K,
// Hugging Face dataset JailbreakV-28K/JailBreakV-28k, MIT): 2,000 harmful RedTeam-2K queries over
// 16 safety policies, turned into 28,000 text–image jailbreaks: 20,000 LLM-transfer attacks (a
// jailbreak template, persuasion or logic wrapping of the query, paired with a blank, noise, natural
// or Stable Diffusion image) and 8,000 MLLM attacks (FigStep and query-relevant images). A safe model
// refuses every one of them: `shouldRefuse` is true throughout.
//
// thinksafe ships none of it. The CSVs and images come from the user's copy of the Hugging Face
// dataset's `JailBreakV_28K/` folder, placed as is under `<data-dir>/jailbreakv/` (upstream's
// evaluation joins the CSV's folder with each row's `image_path`):
//
//   <data-dir>/jailbreakv/mini_JailBreakV_28K.csv     the 280-row mini set (subset `mini`, default)
//   <data-dir>/jailbreakv/JailBreakV_28K.csv          all 28,000 rows (subset `full`)
//   <data-dir>/jailbreakv/llm_transfer_attack/…       e.g. llm_transfer_attack/SD_related_566.png, nature_1365.jpeg
//   <data-dir>/jailbreakv/figstep/…, query_related/…  the MLLM attacks' images
//
// CSV columns (upstream's header): id, jailbreak_query, redteam_query, format, policy, image_path,
// from, selected_mini, transfer_from_llm. thinksafe reads id (the sampleId), jailbreak_query (the
// prompt, sent as is, as upstream's inference does), policy (the category) and image_path; the judge
// context holds redteam_query (the plain request the jailbreak wraps) and format (the attack); `from`
// is kept in `jailbreakvItems`. Other columns are ignored.
import { basename, join } from "node:path";
import { parseCsv, readTextFile } from "../datasets/input.ts";
import { DataError } from "../errors.ts";
import type { Benchmark, BenchmarkSelection, DataContext, Sample, SampleImage } from "./sample.ts";
import { firstItems, selectedSubset } from "./selection.ts";
import {
  censusImages,
  imageInventory,
  isPresent,
  isSafeRelativePath,
  loadUserImages,
  requireDataDir,
  userImagePath,
} from "./user-images.ts";

export const JAILBREAKV_ID = "jailbreakv";

/** The CSV each subset reads, under `<data-dir>/jailbreakv/`. */
export const JAILBREAKV_FILES = {
  mini: "mini_JailBreakV_28K.csv",
  full: "JailBreakV_28K.csv",
} as const;
export type JailbreakvSubset = keyof typeof JAILBREAKV_FILES;

/** The folder of the Hugging Face dataset that holds the CSVs and image folders. */
const UPSTREAM_FOLDER = "JailBreakV_28K";

/** Where the data comes from and where it goes; shown by `inventory` and in load errors. */
export const JAILBREAKV_HOW_TO_GET =
  "thinksafe does not ship JailBreakV-28K: download the JailBreakV_28K/ folder of the Hugging Face dataset JailbreakV-28K/JailBreakV-28k " +
  "(https://huggingface.co/datasets/JailbreakV-28K/JailBreakV-28k; CSVs and images) and put its contents under <data-dir>/jailbreakv/, so that " +
  "<data-dir>/jailbreakv/mini_JailBreakV_28K.csv, <data-dir>/jailbreakv/JailBreakV_28K.csv and each row's image_path " +
  "(e.g. <data-dir>/jailbreakv/llm_transfer_attack/SD_related_566.png) exist";

const REQUIRED_COLUMNS = ["id", "jailbreak_query", "policy", "image_path"] as const;

/** One row of a JailBreakV CSV, validated. */
export interface JailbreakvItem {
  /** Upstream's `id`. */
  id: string;
  /** The text sent with the image (upstream `jailbreak_query`). */
  jailbreakQuery: string;
  /** The plain harmful query the jailbreak wraps (upstream `redteam_query`); null when empty. */
  redteamQuery: string | null;
  /** The attack: Template, Persuade, Logic, FigStep, query_related… (upstream `format`); null when empty. */
  format: string | null;
  /** The safety policy violated (upstream `policy`). */
  policy: string;
  /** The image, relative to `<data-dir>/jailbreakv/`. */
  imagePath: string;
  /** The RedTeam-2K source of the query (upstream `from`); null when empty. */
  from: string | null;
}

export const jailbreakv: Benchmark = {
  id: JAILBREAKV_ID,
  group: "jailbreak-robustness",
  subsets: Object.keys(JAILBREAKV_FILES),
  defaultSubset: "mini",
  async load(selection = {}, context) {
    const { subset, items } = await select(selection, context);
    const paths = items.map((item) => imagePath(context, item));
    const images = await loadUserImages(JAILBREAKV_ID, paths, context, JAILBREAKV_HOW_TO_GET);
    return items.map((item, i) => jailbreakvSample(item, subset, images.get(paths[i]!)!));
  },
  async inventory(selection = {}, context) {
    const { subset, items } = await select(selection, context);
    const census = censusImages(context, items.map((item) => imagePath(context, item)));
    return imageInventory(subset, items.length, census, context, JAILBREAKV_HOW_TO_GET);
  },
};

/** Every row of a subset's CSV in the user's data folder, in file order (for judges: format, redteam_query). */
export async function jailbreakvItems(subset: JailbreakvSubset, context: DataContext | undefined): Promise<JailbreakvItem[]> {
  const dataDir = requireDataDir(context, JAILBREAKV_ID, JAILBREAKV_HOW_TO_GET);
  return readJailbreakvCsv(join(dataDir, JAILBREAKV_ID, JAILBREAKV_FILES[subset]));
}

async function select(selection: BenchmarkSelection, context: DataContext | undefined): Promise<{ subset: JailbreakvSubset; items: JailbreakvItem[] }> {
  const subset = selectedSubset(jailbreakv, selection) as JailbreakvSubset;
  firstItems([], selection); // a bad limit is a UsageError before any file is read
  const items = await jailbreakvItems(subset, context);
  return { subset, items: firstItems(items, selection) };
}

function jailbreakvSample(item: JailbreakvItem, subset: JailbreakvSubset, image: SampleImage): Sample {
  return {
    benchmark: JAILBREAKV_ID,
    sampleId: item.id,
    subset,
    category: item.policy,
    group: "jailbreak-robustness",
    prompt: item.jailbreakQuery,
    images: [image],
    shouldRefuse: true,
    judgeContext: { ...(item.redteamQuery !== null && { request: item.redteamQuery }), ...(item.format !== null && { attack: item.format }) },
  };
}

function imagePath(context: DataContext | undefined, item: JailbreakvItem): string {
  return userImagePath(context, JAILBREAKV_ID, item.imagePath);
}

/** Reads and validates a JailBreakV CSV: the columns thinksafe uses, ids unique, image paths inside the folder. */
export async function readJailbreakvCsv(file: string): Promise<JailbreakvItem[]> {
  const text = await readTextFile(file, missingCsvFix(file));
  const rows = parseCsv(text, file, REQUIRED_COLUMNS);
  const seen = new Map<string, number>();
  return rows.map(({ record, line, row }) => {
    const fail = (column: string, problem: string): never => {
      throw new DataError({ file, line, row, column }, problem, "expected JailBreakV-28K's CSV format (columns id, jailbreak_query, policy, image_path, …)");
    };
    const required = (column: (typeof REQUIRED_COLUMNS)[number]): string => {
      const value = record[column] ?? "";
      if (value.trim() === "") fail(column, "empty value");
      return value;
    };
    const id = required("id").trim();
    const earlier = seen.get(id);
    if (earlier !== undefined) fail("id", `duplicate id ${id} (first on line ${earlier})`);
    seen.set(id, line);
    const path = required("image_path").trim();
    if (!isSafeRelativePath(path)) fail("image_path", `expected a relative path inside the data folder, found ${JSON.stringify(path)}`);
    return {
      id,
      jailbreakQuery: required("jailbreak_query"),
      redteamQuery: optional(record.redteam_query),
      format: optional(record.format),
      policy: required("policy").trim(),
      imagePath: path,
      from: optional(record.from),
    };
  });
}

function optional(value: string | undefined): string | null {
  return value === undefined || value.trim() === "" ? null : value;
}

/** The fix for a missing CSV: the layout, and a hint when the upstream folder was copied whole instead of its contents. */
function missingCsvFix(file: string): string {
  const nested = join(file, "..", UPSTREAM_FOLDER, basename(file));
  if (isPresent(nested)) {
    return `found ${nested}: move the contents of ${UPSTREAM_FOLDER}/ up into <data-dir>/jailbreakv/ (image paths are relative to the CSV's folder)`;
  }
  return JAILBREAKV_HOW_TO_GET;
}
