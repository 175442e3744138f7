// Publishes `scores`: the capability answers of the site's experiments, scored by each suite's rule (src/eval/scores.ts; the demos are simulated).
import { publishSiteTable } from "../src/site/publish.ts";

await publishSiteTable("scores");
