// Publishes `capability` of the site's study (src/stats/capability.sql; the fine-tuning demo is simulated).
import { publishSiteTable } from "../src/site/publish.ts";

await publishSiteTable("capability");
