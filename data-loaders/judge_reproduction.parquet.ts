// Publishes `judge_reproduction`, one of the judge-agreement tables (AGREEMENT_TABLES in src/agreement).
import { publishAgreementTable } from "../src/site/publish.ts";

await publishAgreementTable("judge_reproduction");
