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
