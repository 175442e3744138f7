#!/usr/bin/env python3
"""Reference values for src/stats/*.test.ts, computed independently of the SQL.

Run with python3 (numpy and scipy): `python3 src/stats/reference-values.py`. It prints every number
the tests check, each computed here by another route than the SQL takes:

- Tango's score interval: the constrained maximum-likelihood estimate of the c-cell probability is
  found numerically, as the root of the trinomial log-likelihood's derivative (Brent's method), not
  by the closed-form quadratic root the SQL uses, and each bound by Brent's root finder, not by
  bisection.
- The exact McNemar p: scipy.stats.binomtest.
- The design-effect (Rao-Scott) scaled interval and score test for items with repeats: from the
  item shares, with the Tango function above and scipy's normal tail.
- Holm and Benjamini-Hochberg adjusted p-values: from their definitions, by brute force over
  every index.
- The effective-sample-size Wilson interval, the Lang-Reiczigel corrected rate, MOVER intervals of
  a mean of independent estimates, Spearman's rho (scipy.stats.spearmanr) with the Bonett-Wright
  Fisher-z interval.
- The normal upper tail (scipy.stats.norm.sf), against which the SQL's approximation is checked.
"""
import math

import numpy as np
from scipy import optimize, stats

Z = stats.norm.ppf(0.975)


# --- Tango (1998) --------------------------------------------------------------------------------

def constrained_q(b, c, n, d):
    """MLE of the c-cell probability q given delta = p_b - p_c = d (cells: b = q + d, c = q, the
    rest 1 - 2q - d): the root of the log-likelihood's derivative in q, found by Brent's method, or
    the boundary when the derivative keeps one sign."""
    rest = n - b - c
    lo, hi = max(0.0, -d), (1 - d) / 2  # q >= 0, q + d >= 0, 1 - 2q - d >= 0

    def score(q):
        return (b / (q + d) if b else 0.0) + (c / q if c else 0.0) - (2 * rest / (1 - 2 * q - d) if rest else 0.0)

    eps = 1e-15 * max(1.0, hi - lo)
    a, z = lo + eps, hi - eps
    if a >= z:
        return lo
    fa, fz = score(a), score(z)
    if fa <= 0:
        return lo
    if fz >= 0:
        return hi
    return optimize.brentq(score, a, z, xtol=1e-17, rtol=1e-15, maxiter=500)


def tango_score(b, c, n, d):
    q = constrained_q(b, c, n, d)
    return (b - c - n * d) / math.sqrt(n * (2 * q + d * (1 - d)))


def tango_interval(b, c, n):
    est = (b - c) / n
    if b >= n:
        upper = 1.0
    else:
        upper = optimize.brentq(lambda d: tango_score(b, c, n, d) + Z, est + 1e-12, 1 - 1e-12, xtol=1e-16, rtol=1e-15)
    if c >= n:
        lower = -1.0
    else:
        lower = optimize.brentq(lambda d: tango_score(b, c, n, d) - Z, -1 + 1e-12, est - 1e-12, xtol=1e-16, rtol=1e-15)
    return lower, upper


def mcnemar_exact(b, c):
    if b + c == 0:
        return 1.0
    return stats.binomtest(int(min(b, c)), int(b + c), 0.5).pvalue


# --- Items with repeats ------------------------------------------------------------------------------

def design_effect_analysis(x, y, repeat_pairs):
    x, y = np.asarray(x, float), np.asarray(y, float)
    n = len(x)
    b = float(np.sum(x * (1 - y)))
    c = float(np.sum((1 - x) * y))
    d = x - y
    delta = d.mean()
    deff = max(n / repeat_pairs, float(np.sum((d - delta) ** 2)) / (b + c - n * delta**2))
    lo, hi = tango_interval(b / deff, c / deff, n / deff)
    p = min(1.0, 2 * stats.norm.sf(abs(b - c) / math.sqrt(deff * (b + c))))
    return dict(b=b, c=c, delta=delta, deff=deff, lo=lo, hi=hi, p=p)


def wilson(k, n):
    p = k / n
    centre = p + Z * Z / (2 * n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return max(0.0, (centre - half) / (1 + Z * Z / n)), min(1.0, (centre + half) / (1 + Z * Z / n))


def item_wilson(shares, n_obs):
    s = np.asarray(shares, float)
    n = len(s)
    p = s.mean()
    ss = float(np.sum((s - p) ** 2))
    n_eff = min(n_obs, max(n, n * n * p * (1 - p) / ss))
    return p, n_eff, wilson(p * n_eff, n_eff)


# --- Multiplicity -----------------------------------------------------------------------------------

def holm(ps):
    m = len(ps)
    order = sorted(range(m), key=lambda i: ps[i])
    out = [0.0] * m
    for rank, i in enumerate(order, start=1):
        out[i] = min(1.0, max((m - j + 1) * ps[order[j - 1]] for j in range(1, rank + 1)))
    return out


def bh(ps):
    m = len(ps)
    order = sorted(range(m), key=lambda i: ps[i])
    out = [0.0] * m
    for rank, i in enumerate(order, start=1):
        out[i] = min(1.0, min(m * ps[order[j - 1]] / j for j in range(rank, m + 1)))
    return out


# --- Judge error -------------------------------------------------------------------------------------

def lang_reiczigel(p_obs, n_eff, tp, fn, tn, fp):
    """Rogan-Gladen estimate and Lang & Reiczigel's (2014) adjusted interval."""
    se, sp = tp / (tp + fn), tn / (tn + fp)
    rg = (p_obs + sp - 1) / (se + sp - 1)
    n_p = n_eff + Z**2
    p_a = (p_obs * n_eff + Z**2 / 2) / n_p
    n_se, n_sp = tp + fn + 2, tn + fp + 2
    se_a, sp_a = (tp + 1) / n_se, (tn + 1) / n_sp
    est_a = (p_a + sp_a - 1) / (se_a + sp_a - 1)
    sd = math.sqrt(p_a * (1 - p_a) / n_p + se_a * (1 - se_a) / n_se * est_a**2 + sp_a * (1 - sp_a) / n_sp * (1 - est_a) ** 2) / abs(se_a + sp_a - 1)
    shift = 2 * Z**2 * (est_a * se_a * (1 - se_a) / n_se - (1 - est_a) * sp_a * (1 - sp_a) / n_sp)
    return dict(se=se, sp=sp, rg=rg, lo=min(1, max(0, est_a + shift - Z * sd)), hi=min(1, max(0, est_a + shift + Z * sd)))


def mover_mean(estimates, lows, highs):
    k = len(estimates)
    mean = sum(estimates) / k
    below = math.sqrt(sum((e - l) ** 2 for e, l in zip(estimates, lows))) / k
    above = math.sqrt(sum((h - e) ** 2 for e, h in zip(estimates, highs))) / k
    return mean, mean - below, mean + above


def spearman_interval(x, y):
    rho = stats.spearmanr(x, y).statistic
    n = len(x)
    z = math.atanh(rho)
    se = math.sqrt((1 + rho * rho / 2) / (n - 3))
    return rho, math.tanh(z - Z * se), math.tanh(z + Z * se)


def main():
    print("# Tango intervals (b, c, n) -> [low, high]")
    for b, c, n in [(0, 0, 50), (5, 0, 50), (0, 5, 50), (12, 3, 40), (40, 20, 160), (90, 50, 400), (1, 6, 10), (7, 0, 7), (0, 0, 10), (1234, 1400, 2644)]:
        print(f"tango({b}, {c}, {n}) = [{tango_interval(b, c, n)[0]!r}, {tango_interval(b, c, n)[1]!r}]")
    print("\n# exact McNemar")
    for b, c in [(12, 3), (0, 5), (90, 50), (1234, 1400), (1, 6), (5, 5), (7, 0)]:
        print(f"mcnemar({b}, {c}) = {mcnemar_exact(b, c)!r}")

    print("\n# repeats: 12 items, 3 repeats each side; model unsafe counts / base unsafe counts")
    mk = [3, 2, 3, 1, 0, 3, 2, 3, 1, 3, 0, 2]
    bk = [1, 0, 2, 1, 0, 0, 1, 3, 0, 1, 0, 0]
    res = design_effect_analysis([k / 3 for k in mk], [k / 3 for k in bk], 12 * 3)
    print({k: v for k, v in res.items()})
    print("the same items with all three repeats identical (shares 0 or 1): same as one repeat")
    mk1 = [1, 0, 1, 0, 0, 1, 1, 1, 0, 1, 0, 1]
    bk1 = [0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0]
    b1 = sum(m * (1 - s) for m, s in zip(mk1, bk1)); c1 = sum((1 - m) * s for m, s in zip(mk1, bk1))
    print(f"b = {b1}, c = {c1}, tango = {tango_interval(b1, c1, 12)!r}, mcnemar = {mcnemar_exact(b1, c1)!r}")

    print("\n# item Wilson: shares of 10 items with 4 repeats each")
    shares = [k / 4 for k in [0, 1, 4, 2, 0, 0, 3, 4, 1, 0]]
    p, n_eff, (lo, hi) = item_wilson(shares, 40)
    print(f"p = {p!r}, n_eff = {n_eff!r}, ci = [{lo!r}, {hi!r}]")

    print("\n# Holm and BH over one family: the exact McNemar p of (12, 3), (0, 5), (90, 50), (1, 6), (5, 5), (7, 0)")
    ps = [mcnemar_exact(b, c) for b, c in [(12, 3), (0, 5), (90, 50), (1, 6), (5, 5), (7, 0)]]
    print("p", [float(p) for p in ps])
    print("holm", [float(p) for p in holm(ps)])
    print("bh", [float(p) for p in bh(ps)])

    print("\n# Lang-Reiczigel: raw 30 of 100 (n_eff 100), tp 90 fn 20 tn 180 fp 10; raw 18 of 40, tp 60 fn 15 tn 110 fp 15")
    for args in [(0.30, 100.0, 90, 20, 180, 10), (0.45, 40.0, 60, 15, 110, 15)]:
        print(args, lang_reiczigel(*args))

    print("\n# MOVER mean of two Tango intervals: (12, 3, 40) and (1, 6, 10)")
    (l1, h1), (l2, h2) = tango_interval(12, 3, 40), tango_interval(1, 6, 10)
    print(mover_mean([9 / 40, -5 / 10], [l1, l2], [h1, h2]))
    print("MOVER mean of two Wilson intervals: 17 of 40 and 2 of 10")
    (l1, h1), (l2, h2) = wilson(17, 40), wilson(2, 10)
    print(mover_mean([17 / 40, 2 / 10], [l1, l2], [h1, h2]))

    print("\n# Spearman with ties")
    x = [4, 127, 128, 300, 1023, 2047, 2048, 10, 10, 500]
    y = [1, 0, 1, 0, 1, 1, 1, 0, 0, 1]
    print(spearman_interval(x, y))

    print("\n# capability, graded scores (MM-Vet): 30 pairs of grades, one repeat (design effect floored at 1)")
    x = [((i * 7) % 11) / 10 for i in range(30)]
    y = [((i * 3 + 4) % 11) / 10 for i in range(30)]
    print(design_effect_analysis(x, y, 30))
    print("mean", sum(x) / 30, "sd", float(np.std(x, ddof=1)))

    print("\n# normal upper tail")
    for v in [0.0, 0.5, 1.959963984540054, 3.0, 6.0, 7.5, 8.5, 12.0, 30.0]:
        print(f"sf({v}) = {stats.norm.sf(v)!r}")


if __name__ == "__main__":
    main()
