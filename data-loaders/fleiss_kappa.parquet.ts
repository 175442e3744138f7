// Publishes `fleiss_kappa`, one of the judge-agreement tables (AGREEMENT_TABLES in src/agreement).
import { publishAgreementTable } from "../src/site/publish.ts";

await publishAgreementTable("fleiss_kappa");
