// Publishes `tis_records`: the TiS page's data sets, normalised by src/tis (tis-sample: the real release's 8 transcribed records; tis-demo-build: SIMULATED).
import { publishTisTable } from "../src/site/tis-files.ts";

await publishTisTable("tis_records");
