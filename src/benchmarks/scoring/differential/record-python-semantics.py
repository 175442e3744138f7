"""Records the Python semantics python-text.ts ports, from the Python that runs this script: which
code points re's \\w, \\d and \\s match, str.lower() where it changes a character, the code points
assigned in its Unicode version (the test compares only those), and float() and round(x, n) on
seeded generated inputs.

    python3 src/benchmarks/scoring/differential/record-python-semantics.py > src/benchmarks/scoring/fixtures/python-semantics.json
"""
import json
import math
import platform
import random
import re
import struct
import sys
import unicodedata

SEED = 17


def ranges(code_points):
    out = []
    for cp in code_points:
        if out and out[-1][1] == cp - 1:
            out[-1][1] = cp
        else:
            out.append([cp, cp])
    return out


def number(x):
    """A float as JSON: a number when finite, else "nan", "inf" or "-inf"."""
    return x if math.isfinite(x) else ("nan" if math.isnan(x) else ("inf" if x > 0 else "-inf"))


def float_or_none(text):
    try:
        return number(float(text))
    except ValueError:
        return None


word, digit, space = re.compile(r"\w"), re.compile(r"\d"), re.compile(r"\s")
chars = [chr(cp) for cp in range(0x110000)]
rng = random.Random(SEED)

# float(): hand-picked texts, then short strings over the characters float() treats specially.
digits = list("0123456789") + ["３", "٣", "𝟏"]
others = list("_.eE+- \t\ninfaINFA,") + ["\x1c", "\x85", "\xa0", "\u2028", "\u3000", "\ufeff", "²", "．", "－"]
float_texts = ["", "1", "1.", ".5", ".", "1e5", "1e", "1_0", "1__0", "_1", "1_", "1_.5", "1._5", "0.1_0", "1_0e1_0", "1e_5", "inf", "-Infinity",
               "+nan", "nAn", "infinit", "0x10", "1e400", "-1e-400", "３６０", "٣٦٠", "𝟏𝟐", "²", "\x1c1", "1\x1c", "\x851", "\ufeff1", "\u30001\u3000",
               "\xa01.5\u2028", " 1 ", "\t1\n", "1\x00", "1,000", "−1", "１．５", "+-1", "- 1", "1 2"]
float_texts += ["".join(rng.choice(digits if rng.random() < 0.6 else others) for _ in range(rng.randint(1, 7))) for _ in range(2500)]

# round(x, n): exact ties (k/8), three-decimal texts, uniform and log-uniform doubles, bit patterns.
round_inputs = []
for _ in range(400):
    round_inputs.append(rng.randint(-80000, 80000) / 8)
    round_inputs.append(float("%s%d.%03d" % (rng.choice(["", "-"]), rng.randint(0, 2000), rng.randint(0, 999))))
    round_inputs.append(rng.uniform(-100, 100))
    round_inputs.append(math.copysign(10 ** rng.uniform(-12, 25), rng.uniform(-1, 1)))
    bits = struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]
    if math.isfinite(bits):
        round_inputs.append(bits)
round_inputs += [0.0, -0.0, 5e-324, -5e-324, 1.7976931348623157e308, 0.005, 0.015, 0.025, 2.675, 1.005]

facts = {
    "provenance": {
        "python": platform.python_version(),
        "unicode": unicodedata.unidata_version,
        "seed": SEED,
        "command": "python3 src/benchmarks/scoring/differential/record-python-semantics.py > src/benchmarks/scoring/fixtures/python-semantics.json",
    },
    "assigned": ranges(cp for cp, ch in enumerate(chars) if unicodedata.category(ch) != "Cn"),
    "word": ranges(cp for cp, ch in enumerate(chars) if word.match(ch)),
    # [first, last, value of first]: the digits of a range count up from that value, modulo 10.
    "digit": [[lo, hi, unicodedata.decimal(chr(lo))] for lo, hi in ranges(cp for cp, ch in enumerate(chars) if digit.match(ch))],
    "space": [cp for cp, ch in enumerate(chars) if space.match(ch) and ch.isspace()],
    "lower": {str(cp): ch.lower() for cp, ch in enumerate(chars) if unicodedata.category(ch) != "Cn" and ch.lower() != ch},
    "float": [[text, float_or_none(text)] for text in dict.fromkeys(float_texts)],
    "round": [[x, n, number(round(x, n))] for x in round_inputs for n in (0, 2, 3)],
}
assert all(unicodedata.decimal(chr(cp)) == (cp - lo + value) % 10 for lo, hi, value in facts["digit"] for cp in range(lo, hi + 1))
assert [space.match(ch) is not None for ch in chars] == [ch.isspace() for ch in chars]
json.dump(facts, sys.stdout, ensure_ascii=True, separators=(",", ":"))
sys.stdout.write("\n")
