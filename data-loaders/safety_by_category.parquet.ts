// Publishes `safety_by_category` of the site's study (src/site/study.ts; the demo is simulated).
import { publishSiteTable } from "../src/site/publish.ts";

await publishSiteTable("safety_by_category");
