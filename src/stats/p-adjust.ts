// Multiplicity: how the statistics adjust a family of p-values (degradation.sql, capability.sql).
// The method is macros.sql's p_adjust_method() ('holm' unless redefined here), so the SQL files run
// unchanged in the browser, where the default applies.
import type { Database } from "../duckdb/database.ts";

export const P_ADJUST_METHODS = ["holm", "bh", "none"] as const;
export type PAdjustMethod = (typeof P_ADJUST_METHODS)[number];

/** Redefines p_adjust_method() in `db` before the statistics run. */
export async function setPAdjust(db: Database, method: PAdjustMethod): Promise<void> {
  if (!P_ADJUST_METHODS.includes(method)) throw new TypeError(`unknown p-value adjustment "${String(method)}" (known: ${P_ADJUST_METHODS.join(", ")})`);
  await db.connection.run(`CREATE OR REPLACE MACRO p_adjust_method() AS '${method}'`);
}
