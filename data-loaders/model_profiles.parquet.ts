// Publishes `model_profiles`: each site experiment's models with their profiles (src/site/study.ts).
import { publishSiteTable } from "../src/site/publish.ts";

await publishSiteTable("model_profiles");
