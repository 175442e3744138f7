// Publishes `judge_calibration`: every site experiment's judges measured on the human-labelled sets (the demo's endpoint judges are simulated).
import { publishSiteTable } from "../src/site/publish.ts";

await publishSiteTable("judge_calibration");
