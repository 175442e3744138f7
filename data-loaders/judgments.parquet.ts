// Publishes `judgments`: the demo's responses judged by its judges (simulated models).
import { publishExperimentTable } from "../src/site/publish.ts";

await publishExperimentTable("demo", "judgments");
