// Every benchmark thinksafe can run, by id.
import { UsageError } from "../errors.ts";
import { figstep } from "./figstep.ts";
import { jailbreakv } from "./jailbreakv.ts";
import { mmSafetyBench } from "./mm-safetybench.ts";
import { mmVet } from "./mm-vet.ts";
import { mmmu } from "./mmmu.ts";
import { mmstar } from "./mmstar.ts";
import { mssbench } from "./mssbench.ts";
import { pope } from "./pope.ts";
import { siuo } from "./siuo.ts";
import { vlguard } from "./vlguard.ts";
import type { Benchmark } from "./sample.ts";

export const BENCHMARKS: Record<string, Benchmark> = {
  [figstep.id]: figstep,
  [mmSafetyBench.id]: mmSafetyBench,
  [jailbreakv.id]: jailbreakv,
  [siuo.id]: siuo,
  [vlguard.id]: vlguard,
  [mssbench.id]: mssbench,
  [mmmu.id]: mmmu,
  [mmstar.id]: mmstar,
  [pope.id]: pope,
  [mmVet.id]: mmVet,
};

/** The benchmark with this id; an unknown id is a UsageError listing the known ones. */
export function getBenchmark(id: string): Benchmark {
  // Own keys only, so "constructor" and the like are unknown ids too.
  if (!Object.hasOwn(BENCHMARKS, id)) {
    throw new UsageError(`unknown benchmark "${id}"; known benchmarks: ${Object.keys(BENCHMARKS).join(", ")}`);
  }
  return BENCHMARKS[id]!;
}
