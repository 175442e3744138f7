// Publishes `human_labels` (see AGREEMENT_TABLES in src/agreement).
import { publishAgreementTable } from "../src/agreement/index.ts";

await publishAgreementTable("human_labels");
