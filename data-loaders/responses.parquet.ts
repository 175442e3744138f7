// Publishes `responses`: every site experiment run through the engine (the demo's models are simulated).
import { publishSiteTable } from "../src/site/publish.ts";

await publishSiteTable("responses");
