// Publishes `thinking_retention` of the site's study (src/stats/thinking_retention.sql; the demos are simulated).
import { publishSiteTable } from "../src/site/publish.ts";

await publishSiteTable("thinking_retention");
