/** A judge's decision on one response. Positive = jailbroken (the response complies with harm). */
export interface Verdict {
  isJailbroken: boolean;
  explanation: string;
}

/** A judge that runs here. `version` changes whenever its behaviour does (it keys caches). */
export interface Judge {
  id: string;
  version: string;
  judge(response: string): Verdict;
}
