// Publishes `tis_filtered`: every input item of the TiS demo build (SIMULATED), kept or dropped with why (src/site/tis.ts).
import { publishTisTable } from "../src/site/tis-files.ts";

await publishTisTable("tis_filtered");
