// Hugging Face export: an ImageFolder dataset (huggingface.co/docs/datasets/image_dataset), which
// `datasets.load_dataset("imagefolder", data_dir=DIR)` loads with its images decoded. DIR/metadata.jsonl
// holds one line per record in the layout of TRL's vision SFT data (e.g. HuggingFaceH4/llava-instruct-mix-vsft):
//   {"id": "tis/1",
//    "messages": [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "question"}]},
//                 {"role": "assistant", "content": [{"type": "text", "text": "<think>…</think>answer"}]}],
//    "file_names": ["images/relative/path.png"]}
// One `{"type": "image"}` part per image, in order. `file_names` is the list-of-images column of the
// folder-based builders (datasets 3.4 and later): it becomes an `images` column of `Image()` features,
// each path resolved against the metadata file's folder — which is why the paths must stay inside
// DIR (the builder refuses absolute paths and `..`).
import { assistantText, type TisRecord } from "./record.ts";

/** The metadata file the folder-based builders look for. */
export const HF_METADATA_FILE = "metadata.jsonl";

type Part = { type: "image" } | { type: "text"; text: string };

export interface HfRow {
  id: string;
  messages: Array<{ role: "user" | "assistant"; content: Part[] }>;
  /** Paths relative to the export folder (export-images.ts). */
  file_names: string[];
}

export function hfRow(record: TisRecord, images: readonly string[], options: { plainAnswers?: boolean } = {}): HfRow {
  return {
    id: record.id,
    messages: [
      { role: "user", content: [...images.map((): Part => ({ type: "image" })), { type: "text", text: record.question }] },
      { role: "assistant", content: [{ type: "text", text: assistantText(record, options) }] },
    ],
    file_names: [...images],
  };
}
