// Publishes `safety_corrected` of the site's study (src/site/study.ts; the demo is simulated): judge error as a sensitivity analysis.
import { publishSiteTable } from "../src/site/publish.ts";

await publishSiteTable("safety_corrected");
