// Publishes `responses`: experiments/demo.yaml run through the engine (simulated models).
import { publishExperimentTable } from "../src/site/publish.ts";

await publishExperimentTable("demo", "responses");
