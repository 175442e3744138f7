// Publishes `fleiss_kappa` (see AGREEMENT_TABLES in src/agreement).
import { publishAgreementTable } from "../src/agreement/index.ts";

await publishAgreementTable("fleiss_kappa");
