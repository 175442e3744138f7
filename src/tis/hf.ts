// Hugging Face–style JSONL, the layout of TRL's vision SFT data (e.g. HuggingFaceH4/llava-instruct-mix-vsft):
//   {"id": "tis/1",
//    "messages": [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "question"}]},
//                 {"role": "assistant", "content": [{"type": "text", "text": "<think>…</think>answer"}]}],
//    "images": ["relative/path.png"]}
// One `{"type": "image"}` part per entry of `images`, in order. Image paths are relative to the JSONL
// file's folder: load with `datasets.load_dataset("json", data_files=…)`, join the folder to each
// path, then `cast_column("images", Sequence(Image()))`.
import type { LocatedRecord } from "./images.ts";
import { relativeTo } from "./llamafactory.ts";
import { assistantText } from "./record.ts";

type Part = { type: "image" } | { type: "text"; text: string };

export interface HfRow {
  id: string;
  messages: Array<{ role: "user" | "assistant"; content: Part[] }>;
  images: string[];
}

export function hfRow({ record, files }: LocatedRecord, outDir: string, options: { plainAnswers?: boolean } = {}): HfRow {
  return {
    id: record.id,
    messages: [
      { role: "user", content: [...files.map((): Part => ({ type: "image" })), { type: "text", text: record.question }] },
      { role: "assistant", content: [{ type: "text", text: assistantText(record, options) }] },
    ],
    images: files.map((file) => relativeTo(outDir, file)),
  };
}
