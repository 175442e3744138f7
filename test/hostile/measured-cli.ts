// The thinksafe CLI, run as the user runs it, that writes its own peak memory (maxRSS, as the
// kernel counts it for this process) to $THINKSAFE_TEST_RSS_FILE when it ends: the hostile
// tests hold every case to a memory bound.
import { writeFileSync } from "node:fs";
import { main } from "../../src/cli/main.ts";

const code = await main(process.argv);
const file = process.env.THINKSAFE_TEST_RSS_FILE;
if (file) writeFileSync(file, JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS }));
process.exit(code);
