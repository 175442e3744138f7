// Think in Safety (TiS) data: importing the release and the baseline sets into one normalised record
// type, and exporting records for fine-tuning (OpenAI JSONL, LLaMA-Factory, Hugging Face JSONL).
// The construction pipeline (`tis build`) lives in ./build/.
export {
  assistantText,
  imageOrigin,
  opensWithRefusal,
  splitAssistantTurn,
  userText,
  type ImageSource,
  type ThinkingFormat,
  type TisDataset,
  type TisRecord,
} from "./record.ts";
export { baselineRecords, readTisRelease, releaseRecord } from "./release.ts";
export { baselineInput, releaseInput, type RecordInput } from "./inputs.ts";
export { EXPORT_FORMATS, exportRecords, type ExportFormat, type ExportRequest, type ExportSummary } from "./export.ts";
export { checkOpenAiExample, checkOpenAiLine, OPENAI_LIMITS, openAiExample } from "./openai.ts";
export { checkLlamaFactoryRow, datasetInfoEntry, LLAMAFACTORY_BASES, llamaFactoryRow, trainingYaml } from "./llamafactory.ts";
export { hfRow } from "./hf.ts";
export { RECORDS_SCHEMA, writeRecordsParquet } from "./parquet.ts";
