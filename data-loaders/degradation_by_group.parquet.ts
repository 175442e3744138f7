// Publishes `degradation_by_group` of the site's study (src/site/study.ts; the demo is simulated).
import { publishSiteTable } from "../src/site/publish.ts";

await publishSiteTable("degradation_by_group");
