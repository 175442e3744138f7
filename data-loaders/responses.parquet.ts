// Publishes `responses`: experiments/demo.yaml run through the engine (simulated models).
import { publishExperimentResponses } from "../src/site/publish.ts";

await publishExperimentResponses("demo");
