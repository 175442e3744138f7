// What main.ts hands every subcommand: where to print, and how to report a partial failure.
// Its own module so the subcommand files need not import main.ts, which imports them.

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** What a command reports besides throwing: eval exits 1 when some rows have no answer. */
export interface Outcome {
  exitCode: number;
}
