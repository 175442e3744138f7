import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { UsageError } from "../errors.ts";
import { figstep } from "./figstep.ts";
import { BENCHMARKS, getBenchmark } from "./index.ts";

describe("benchmark registry", () => {
  test("finds each benchmark by its id", () => {
    for (const [id, benchmark] of Object.entries(BENCHMARKS)) assert.equal(benchmark.id, id);
    assert.equal(getBenchmark("figstep"), figstep);
  });

  test("an unknown id is a usage error listing the known ids", () => {
    for (const id of ["figstpe", "constructor"]) {
      assert.throws(() => getBenchmark(id), (error: unknown) => {
        assert.ok(error instanceof UsageError);
        assert.equal(error.message, `unknown benchmark "${id}"; known benchmarks: figstep, mm-safetybench, jailbreakv, siuo, vlguard, mssbench, mmmu, mmstar, pope, mm-vet, synthetic-shapes`);
        return true;
      });
    }
  });
});
