// A run folder's responses.parquet as the commands that read it (judge, score, stats) open it: a
// clear DataError naming the file when it is missing or not a readable Parquet file.
import { Database } from "../duckdb/database.ts";
import { checkParquetFile } from "../duckdb/parquet-file.ts";

/** What makes a run folder's responses.parquet again, named in the error when it cannot be read. */
export const RESPONSES_FIX = "run thinksafe eval EXPERIMENT --out RUN_DIR (answers come from the cache)";

/** The columns judging and scoring read, present in responses.parquet of every thinksafe version. */
const READ_COLUMNS = ["experiment_id", "experiment_hash", "model_id", "base_model_id", "benchmark_id", "subset", "sample_id", "category", "repeat", "prompt", "answer", "thinking", "error", "is_simulated"];

/** Checks, before anything starts, that responses.parquet is a readable Parquet file with the columns read. */
export async function checkResponsesFile(file: string): Promise<void> {
  const db = await Database.open();
  try {
    await checkParquetFile(db, file, RESPONSES_FIX, READ_COLUMNS);
  } finally {
    db.close();
  }
}
