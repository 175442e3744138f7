// Arrow tables (from FileAttachment(...).parquet()) as plain row objects for Plot and Inputs.

/**
 * Every row of an Arrow table as a plain object; 64-bit integers become numbers, LIST values arrays
 * and STRUCT values plain objects (both through their own toJSON).
 */
export function rowsOf(table) {
  return table.toArray().map((row) => {
    const object = row.toJSON();
    for (const key in object) {
      const value = object[key];
      if (typeof value === "bigint") object[key] = Number(value);
      else if (value !== null && typeof value === "object" && typeof value.toJSON === "function") object[key] = value.toJSON();
    }
    return object;
  });
}
