-- Macros shared by every statistic. Run before any file in this folder, in Node (DuckDB 1.5)
-- and in the browser (DuckDB-wasm 1.1): use nothing newer than DuckDB 1.1.
-- One statement per line group, each ending with ";" at the end of a line.

-- Two-sided 95% normal quantile.
CREATE OR REPLACE MACRO z95() AS 1.959963984540054;

-- Wilson score interval for k successes in n trials, as proportions; NULL when n = 0.
CREATE OR REPLACE MACRO wilson_low(k, n) AS
  CASE WHEN n = 0 THEN NULL ELSE
    greatest(0.0, (k::DOUBLE / n + z95() ^ 2 / (2 * n)
      - z95() * sqrt((k::DOUBLE / n) * (1 - k::DOUBLE / n) / n + z95() ^ 2 / (4 * n::DOUBLE * n)))
      / (1 + z95() ^ 2 / n)) END;
CREATE OR REPLACE MACRO wilson_high(k, n) AS
  CASE WHEN n = 0 THEN NULL ELSE
    least(1.0, (k::DOUBLE / n + z95() ^ 2 / (2 * n)
      + z95() * sqrt((k::DOUBLE / n) * (1 - k::DOUBLE / n) / n + z95() ^ 2 / (4 * n::DOUBLE * n)))
      / (1 + z95() ^ 2 / n)) END;

-- Cohen's kappa of a 2x2 table between a rater (rows) and a reference (columns):
-- a = both positive, b = rater positive only, c = reference positive only, d = both negative.
-- NULL when chance agreement is 1 (both raters constant and equal): kappa is undefined there.
CREATE OR REPLACE MACRO kappa_chance(a, b, c, d) AS
  ((a + b)::DOUBLE * (a + c) + (c + d)::DOUBLE * (b + d)) / ((a + b + c + d)::DOUBLE ^ 2);
CREATE OR REPLACE MACRO cohen_kappa(a, b, c, d) AS
  CASE WHEN a + b + c + d = 0 OR kappa_chance(a, b, c, d) >= 1 THEN NULL
    ELSE ((a + d)::DOUBLE / (a + b + c + d) - kappa_chance(a, b, c, d)) / (1 - kappa_chance(a, b, c, d)) END;

-- Large-sample standard error of kappa (Fleiss, Cohen & Everitt 1969), not assuming kappa = 0.
CREATE OR REPLACE MACRO cohen_kappa_se(a, b, c, d) AS
  sqrt(greatest(0.0,
      a::DOUBLE / (a + b + c + d)
        * (1 - ((a + b)::DOUBLE / (a + b + c + d) + (a + c)::DOUBLE / (a + b + c + d)) * (1 - cohen_kappa(a, b, c, d))) ^ 2
    + d::DOUBLE / (a + b + c + d)
        * (1 - ((c + d)::DOUBLE / (a + b + c + d) + (b + d)::DOUBLE / (a + b + c + d)) * (1 - cohen_kappa(a, b, c, d))) ^ 2
    + (1 - cohen_kappa(a, b, c, d)) ^ 2 * (
        b::DOUBLE / (a + b + c + d) * ((a + c)::DOUBLE / (a + b + c + d) + (c + d)::DOUBLE / (a + b + c + d)) ^ 2
      + c::DOUBLE / (a + b + c + d) * ((b + d)::DOUBLE / (a + b + c + d) + (a + b)::DOUBLE / (a + b + c + d)) ^ 2)
    - (cohen_kappa(a, b, c, d) - kappa_chance(a, b, c, d) * (1 - cohen_kappa(a, b, c, d))) ^ 2))
  / ((1 - kappa_chance(a, b, c, d)) * sqrt((a + b + c + d)::DOUBLE));

-- Counter-based pseudo-random integers for seeded bootstraps. Plain integer arithmetic (a 32-bit
-- integer hash), so every DuckDB version, in Node or in the browser, draws the same samples.
CREATE OR REPLACE MACRO mix32(x) AS (xor(x::BIGINT >> 16, x::BIGINT) * 73244475) % 4294967296;
CREATE OR REPLACE MACRO hash32(x) AS xor(mix32(mix32(x)) >> 16, mix32(mix32(x)));
-- The slot (0 .. n-1) that draw k of bootstrap replicate b picks, for a given seed.
CREATE OR REPLACE MACRO bootstrap_pick(seed, b, k, n) AS
  hash32((hash32((seed::BIGINT * 7919 + b) % 4294967296) + k) % 4294967296) % n;

-- Two-sided exact McNemar test: the binomial test of b against c discordant pairs,
-- p = min(1, 2 * P[X <= min(b, c)]), X ~ Binomial(b + c, 1/2); 1 when b + c = 0. b and c are whole
-- counts. Each term C(m, i) / 2^m is exp(lgamma(m+1) - lgamma(i+1) - lgamma(m-i+1) - m ln 2)
-- (relative error about 1e-12 for m up to several thousand).
CREATE OR REPLACE MACRO mcnemar_exact_p(b, c) AS
  least(1.0, 2 * list_sum(list_transform(range(0, least(b, c)::BIGINT + 1),
    i -> exp(lgamma(b + c + 1) - lgamma(i + 1) - lgamma(b + c - i + 1) - (b + c) * ln(2)))));

-- Upper tail of the standard normal at |x|, P[Z > |x|]: Hart's (1968) algorithm 5666 as given by
-- West (2005, "Better approximations to cumulative normal functions", Wilmott Magazine), relative
-- error below 1e-8 from 0 to 37 (checked against scipy in stats.test.ts); 0 beyond. Two-sided p of a
-- z statistic: 2 * normal_tail(z).
CREATE OR REPLACE MACRO normal_tail(x) AS
  CASE WHEN abs((x)::DOUBLE) > 37 THEN 0.0
    WHEN abs((x)::DOUBLE) < 7.07106781186547 THEN exp(-abs((x)::DOUBLE) * abs((x)::DOUBLE) / 2)
      * ((((((0.0352624965998911 * abs((x)::DOUBLE) + 0.700383064443688) * abs((x)::DOUBLE) + 6.37396220353165) * abs((x)::DOUBLE)
        + 33.912866078383) * abs((x)::DOUBLE) + 112.079291497871) * abs((x)::DOUBLE) + 221.213596169931) * abs((x)::DOUBLE) + 220.206867912376)
      / (((((((0.0883883476483184 * abs((x)::DOUBLE) + 1.75566716318264) * abs((x)::DOUBLE) + 16.064177579207) * abs((x)::DOUBLE)
        + 86.7807322029461) * abs((x)::DOUBLE) + 296.564248779674) * abs((x)::DOUBLE) + 637.333633378831) * abs((x)::DOUBLE)
        + 793.826512519948) * abs((x)::DOUBLE) + 440.413735824752)
    ELSE exp(-abs((x)::DOUBLE) * abs((x)::DOUBLE) / 2)
      / (abs((x)::DOUBLE) + 1 / (abs((x)::DOUBLE) + 2 / (abs((x)::DOUBLE) + 3 / (abs((x)::DOUBLE) + 4 / (abs((x)::DOUBLE) + 0.65))))) / 2.506628274631 END;

-- Tango's (1998) score statistic for a paired difference delta = (b - c) / n at a candidate d, with
-- b = pairs positive for the first member only, c = for the second only, n = pairs: T(d) =
-- (b - c - n d) / sqrt(n (2 q + d (1 - d))), q the maximum-likelihood estimate of the c-cell
-- probability under delta = d (the root of a quadratic; as R's PropCIs::scoreci.mp with its b and c
-- swapped). T is decreasing in d and 0 at the estimate. b, c and n may be fractional (design-effect
-- scaled counts, see degradation.sql).
CREATE OR REPLACE MACRO tango_q(b, c, n, d) AS
  (sqrt(greatest(0.0, (-(b) - (c) + (2 * (n) - (b) + (c)) * (d)) ^ 2 + 8 * (n) * (c) * (d) * (1 - (d))))
    - (-(b) - (c) + (2 * (n) - (b) + (c)) * (d))) / (4 * (n));
CREATE OR REPLACE MACRO tango_score(b, c, n, d) AS
  ((b) - (c) - (n) * (d)) / sqrt(greatest(1e-300, (n) * (2 * tango_q(b, c, n, d) + (d) * (1 - (d)))));
-- Tango's 95% score interval: {d : |T(d)| < z95}, each bound found by 64 halvings of [estimate, 1]
-- (of [-1, estimate] for the lower one), far below double precision; 1 when b = n, -1 when c = n
-- (as scoreci.mp). NULL when n = 0. When b = c = 0 it is [-z²/(n + z²), z²/(n + z²)], not [0, 0].
CREATE OR REPLACE MACRO tango_high(b, c, n) AS
  CASE WHEN (n) <= 0 THEN NULL WHEN (b) >= (n) THEN 1.0 ELSE
    list_reduce(list_prepend([((b) - (c)) / (n)::DOUBLE, 1.0], list_transform(range(64), i -> [0.0, 0.0])),
      (acc, x) -> CASE WHEN tango_score(b, c, n, (acc[1] + acc[2]) / 2) > -z95()
        THEN [(acc[1] + acc[2]) / 2, acc[2]] ELSE [acc[1], (acc[1] + acc[2]) / 2] END)[1] END;
CREATE OR REPLACE MACRO tango_low(b, c, n) AS
  CASE WHEN (n) <= 0 THEN NULL WHEN (c) >= (n) THEN -1.0 ELSE
    list_reduce(list_prepend([-1.0, ((b) - (c)) / (n)::DOUBLE], list_transform(range(64), i -> [0.0, 0.0])),
      (acc, x) -> CASE WHEN tango_score(b, c, n, (acc[1] + acc[2]) / 2) < z95()
        THEN [acc[1], (acc[1] + acc[2]) / 2] ELSE [(acc[1] + acc[2]) / 2, acc[2]] END)[2] END;

-- An unsafe rate whose observations are items' shares s_i (each the mean over the item's judged
-- repeats), from n items, their sums sum_s = sum s_i and sum_s2 = sum s_i², n_fractional = items
-- with 0 < s_i < 1, and n_obs = the judged responses behind them. Rate = sum_s / n_items (each item
-- weighs the same). Its 95% interval is Wilson's at the effective sample size (Kish's n / deff; Rao &
-- Scott 1992; Korn & Graubard 1998): n_eff = n² p(1 - p) / sum (s_i - p)², the number of independent
-- responses with the same variance, between n (items of whole shares; their binomial variance is the
-- largest possible) and n_obs (repeats as informative as independent responses, the cap). When every
-- share is 0 or 1 (one repeat, or repeats that agree) n_eff = n exactly and the interval is
-- wilson(sum_s, n): identical repeats give the same interval as one.
CREATE OR REPLACE MACRO effective_n(n_items, n_obs, sum_s, sum_s2, n_fractional) AS
  CASE WHEN n_items = 0 THEN NULL
    WHEN n_fractional = 0 THEN n_items::DOUBLE
    WHEN sum_s2 - sum_s * sum_s / n_items <= 0 THEN n_obs::DOUBLE
    ELSE least(n_obs::DOUBLE, greatest(n_items::DOUBLE,
      sum_s * (n_items - sum_s) / (sum_s2 - sum_s * sum_s / n_items))) END;
CREATE OR REPLACE MACRO item_wilson_low(n_items, n_obs, sum_s, sum_s2, n_fractional) AS
  CASE WHEN n_fractional = 0 THEN wilson_low(sum_s, n_items) ELSE
    wilson_low(sum_s / n_items * effective_n(n_items, n_obs, sum_s, sum_s2, n_fractional), effective_n(n_items, n_obs, sum_s, sum_s2, n_fractional)) END;
CREATE OR REPLACE MACRO item_wilson_high(n_items, n_obs, sum_s, sum_s2, n_fractional) AS
  CASE WHEN n_fractional = 0 THEN wilson_high(sum_s, n_items) ELSE
    wilson_high(sum_s / n_items * effective_n(n_items, n_obs, sum_s, sum_s2, n_fractional), effective_n(n_items, n_obs, sum_s, sum_s2, n_fractional)) END;

-- A cell whose missing share (planned responses without a verdict, or planned pairs dropped) is
-- above this is flagged on the pages: 5%, the usual line below which missing data are taken to be
-- inconsequential (Schafer 1999, Statistical Methods in Medical Research 8: 3-15).
CREATE OR REPLACE MACRO missing_flag_share() AS 0.05;

-- How the p-values of one family are adjusted: 'holm' (default), 'bh' (Benjamini-Hochberg) or
-- 'none'. `thinksafe stats --p-adjust` redefines it before the statistics run.
CREATE OR REPLACE MACRO p_adjust_method() AS 'holm';

-- Below this Cohen's kappa on a calibration set a judge's error is not corrected for
-- (safety_corrected.sql): 0.4, the upper end of "fair" agreement (Landis & Koch 1977).
CREATE OR REPLACE MACRO min_correction_kappa() AS 0.4;

-- A bound of the 95% interval of a rank correlation rho over n observations: tanh(atanh(rho) + side *
-- z95 * se), se² = (1 + rho²/2) / (n - 3) (Fisher's z with Bonett & Wright's 2000 variance for
-- Spearman's rho); side = -1 for the lower bound, 1 for the upper. tanh(u) is written as (e^2u - 1) /
-- (e^2u + 1): DuckDB builds differ in tanh's last digit, not in exp's.
CREATE OR REPLACE MACRO fisher_z_bound(rho, n, side) AS
  (exp(ln((1 + rho) / (1 - rho)) + 2 * side * z95() * sqrt((1 + rho * rho / 2) / (n - 3))) - 1)
  / (exp(ln((1 + rho) / (1 - rho)) + 2 * side * z95() * sqrt((1 + rho * rho / 2) / (n - 3))) + 1);

-- The sum of x, the same in every order: each value is rounded to a multiple of 2^-40 (about 1e-12)
-- and the multiples are added as integers. A plain sum of fractions depends on its order in the
-- last digit, and DuckDB versions group and join in different orders; whole numbers come out exact.
CREATE OR REPLACE MACRO exact_sum(x) AS
  sum(round((x) * 1099511627776)::BIGINT)::BIGINT::DOUBLE / 1099511627776;
