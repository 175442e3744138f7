// Publishes `judge_reproduction` (see AGREEMENT_TABLES in src/agreement).
import { publishAgreementTable } from "../src/agreement/index.ts";

await publishAgreementTable("judge_reproduction");
