// The list of published tables for the SQL explorer (src/site/catalog.ts).
import { catalog } from "../src/site/catalog.ts";

process.stdout.write(JSON.stringify(catalog(), null, 2));
