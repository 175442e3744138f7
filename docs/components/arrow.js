// Arrow tables (from FileAttachment(...).parquet()) as plain row objects for Plot and Inputs.

/** Every row of an Arrow table as a plain object; 64-bit integers become numbers. */
export function rowsOf(table) {
  return table.toArray().map((row) => {
    const object = row.toJSON();
    for (const key in object) if (typeof object[key] === "bigint") object[key] = Number(object[key]);
    return object;
  });
}
