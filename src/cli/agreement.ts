// `thinksafe agreement`: how well each judge agrees with the human majority, beside how well the
// annotators agree with each other (the ceiling a judge can be held to). JSON gives both:
// {"judges": [one object per judge], "human_ceiling": {Fleiss' kappa and unanimity with intervals}}.
import { agreementDatabase, DEFAULT_JUDGE_COMPARISON, tableQuery } from "../agreement/index.ts";
import { textTable, withInterval } from "./format.ts";

export interface AgreementOptions {
  format: "json" | "table";
  data?: string;
  humans: boolean;
}

export async function agreementCommand(options: AgreementOptions): Promise<string> {
  const db = await agreementDatabase(options.data ?? DEFAULT_JUDGE_COMPARISON);
  try {
    const judges = (await db.rows(tableQuery("judge_agreement"))).filter(
      (row) => options.humans || row.judge_kind !== "human",
    );
    const [fleiss] = await db.rows(tableQuery("fleiss_kappa"));
    if (options.format === "json") return JSON.stringify({ judges, human_ceiling: fleiss ?? null }, null, 2);
    return [
      textTable(
        ["judge", "kind", "n", "agreement %", "FPR %", "FNR %", "Cohen's kappa"],
        judges.map((r) => [
          String(r.judge),
          String(r.judge_kind),
          String(r.n),
          withInterval(r.agreement, r.agreement_ci_low, r.agreement_ci_high, 1),
          withInterval(r.fpr, r.fpr_ci_low, r.fpr_ci_high, 1),
          withInterval(r.fnr, r.fnr_ci_low, r.fnr_ci_high, 1),
          withInterval(r.kappa, r.kappa_ci_low, r.kappa_ci_high, 3),
        ]),
        ["left", "left", "right", "right", "right", "right", "right"],
      ),
      "",
      "Reference: the human majority of three annotators; positive = jailbroken; [95% interval].",
      fleiss
        ? `Human ceiling: Fleiss' kappa ${withInterval(fleiss.fleiss_kappa, fleiss.fleiss_kappa_ci_low, fleiss.fleiss_kappa_ci_high, 3)}; ` +
          `all three annotators agree on ${withInterval(fleiss.unanimity, fleiss.unanimity_ci_low, fleiss.unanimity_ci_high, 1)}% of responses.`
        : "",
    ].join("\n");
  } finally {
    db.close();
  }
}
