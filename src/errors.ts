// Every error the engine raises on purpose. Only the CLI prints them and picks exit codes.

/** Where in an input file a problem is: 1-based line (as an editor shows it) and column name. */
export interface DataLocation {
  file: string;
  line?: number;
  row?: number;
  column?: string;
}

/** Malformed or missing input data; the message names the file, row and column and the fix. */
export class DataError extends Error {
  override name = "DataError";
  constructor(
    readonly location: DataLocation,
    readonly problem: string,
    readonly fix?: string,
  ) {
    super(`${formatLocation(location)}: ${problem}${fix ? ` (${fix})` : ""}`);
  }
}

/**
 * A problem with one sample's input (an image that is not one, or has too many pixels): the rows
 * of that sample fail with `kind` as their error_kind, and the run goes on.
 */
export class SampleError extends DataError {
  override name = "SampleError";
  constructor(
    readonly kind: string,
    location: DataLocation,
    problem: string,
    fix?: string,
  ) {
    super(location, problem, fix);
  }
}

/**
 * An invalid experiment spec or config file: names the file, the path to the field
 * (`models[2].base_url`), what is wrong and how to fix it.
 */
export class SpecError extends Error {
  override name = "SpecError";
  constructor(
    readonly file: string,
    readonly path: string,
    readonly problem: string,
    readonly fix?: string,
    readonly line?: number,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ""}: ${path ? `${path}: ` : ""}${problem}${fix ? ` (${fix})` : ""}`);
  }
}

/** The user asked for something the command cannot do (bad flag value, unknown name). */
export class UsageError extends Error {
  override name = "UsageError";
}

function formatLocation({ file, line, row, column }: DataLocation): string {
  const parts = [file];
  if (line !== undefined) parts.push(`line ${line}`);
  if (row !== undefined) parts.push(`row ${row}`);
  if (column !== undefined) parts.push(`column "${column}"`);
  return parts.join(", ");
}
