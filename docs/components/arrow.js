// Arrow tables (from FileAttachment(...).parquet()) as plain row objects for Plot and Inputs.

/** Every row of an Arrow table as a plain object; 64-bit integers become numbers, LIST values arrays (STRUCT values stay row objects). */
export function rowsOf(table) {
  return table.toArray().map((row) => {
    const object = row.toJSON();
    for (const key in object) {
      const value = object[key];
      if (typeof value === "bigint") object[key] = Number(value);
      // A LIST cell is an Arrow Vector (it has its Data chunks); a STRUCT cell stays a row object.
      else if (value !== null && typeof value === "object" && Array.isArray(value.data) && typeof value.toArray === "function") object[key] = [...value];
    }
    return object;
  });
}
