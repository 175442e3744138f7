// Publishes `judgments`: every site experiment's responses judged by its judges (the demo is simulated).
import { publishSiteTable } from "../src/site/publish.ts";

await publishSiteTable("judgments");
