import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { popeAnswer, popeMetrics, scorePope } from "./pope.ts";

describe("popeAnswer (POPE's evaluate.py)", () => {
  test("AoiDragon/POPE@08d957b917e5a378a2f99d35b6293c536a66298b evaluate.py L12–21: the first sentence decides: a word No / no / not means no, anything else yes", () => {
    assert.equal(popeAnswer("Yes, there is a dog."), "yes");
    assert.equal(popeAnswer("No, there is no cat."), "no");
    assert.equal(popeAnswer("There is not a cat in the image."), "no");
    assert.equal(popeAnswer("no."), "no");
    assert.equal(popeAnswer("Yes. No cats are hiding anywhere."), "yes");
  });

  test("upstream's quirks are kept: other negations and capitals count as yes", () => {
    assert.equal(popeAnswer("NO"), "yes");
    assert.equal(popeAnswer("Nope"), "yes");
    assert.equal(popeAnswer("I don't see one"), "yes");
    assert.equal(popeAnswer(""), "yes");
    // Words are split on single spaces only: "No" glued to a newline is not the word "No".
    assert.equal(popeAnswer("No\nthere is none"), "yes");
  });
});

describe("popeMetrics", () => {
  test("TP 3, FP 1, TN 2, FN 2 by hand", () => {
    const pairs = [
      ...Array(3).fill({ prediction: "yes", label: "yes" }),
      { prediction: "yes", label: "no" },
      ...Array(2).fill({ prediction: "no", label: "no" }),
      ...Array(2).fill({ prediction: "no", label: "yes" }),
    ];
    const m = popeMetrics(pairs);
    assert.deepEqual({ tp: m.tp, fp: m.fp, tn: m.tn, fn: m.fn, total: m.total }, { tp: 3, fp: 1, tn: 2, fn: 2, total: 8 });
    assert.equal(m.accuracy, 5 / 8);
    assert.equal(m.precision, 3 / 4);
    assert.equal(m.recall, 3 / 5);
    // 2 · 0.75 · 0.6 / 1.35 = 2/3
    assert.ok(Math.abs(m.f1! - 2 / 3) < 1e-12);
    assert.equal(m.yesRatio, 4 / 8);
  });

  test("no 'yes' prediction: precision and F1 are null, not a division by zero", () => {
    const m = scorePope([
      { response: "No.", label: "yes" },
      { response: "There is not.", label: "no" },
    ]);
    assert.deepEqual(m, { tp: 0, fp: 0, tn: 1, fn: 1, total: 2, accuracy: 0.5, precision: null, recall: 0, f1: null, yesRatio: 0 });
    assert.equal(popeMetrics([]).accuracy, null);
  });
});
