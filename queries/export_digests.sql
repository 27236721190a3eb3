-- Per month of the staged lake table: its rows and a digest of their
-- contents, which the manifest keeps so that the next export rewrites only
-- the months whose digest changed. Order-independent (no sort): a count, the
-- xor and the sum (mod 2^64) of the rows' hashes; a changed, added, removed
-- or duplicated row changes it.
SELECT coalesce(period, '') AS period, count(*) AS rows,
       printf('%d-%016x-%016x', count(*), bit_xor(hash(s)),
              (sum(hash(s)::HUGEINT) % 18446744073709551616)::UBIGINT) AS digest
FROM lake_stage s
GROUP BY period
ORDER BY period;
