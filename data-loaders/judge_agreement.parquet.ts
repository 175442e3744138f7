// Publishes `judge_agreement`, one of the judge-agreement tables (AGREEMENT_TABLES in src/agreement).
import { publishAgreementTable } from "../src/site/publish.ts";

await publishAgreementTable("judge_agreement");
