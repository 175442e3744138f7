// Publishes `tis_funnel` (src/stats/tis_funnel.sql) over the TiS page's data sets (src/site/tis.ts; the demo build is simulated).
import { publishTisTable } from "../src/site/tis-files.ts";

await publishTisTable("tis_funnel");
