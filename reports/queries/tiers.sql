-- Verification work per window: tier-1 verdicts, tier-2 disputes, tier-3 panels, trap reveals.
SELECT "window", measure, count::INTEGER AS count FROM (
  SELECT "window", verified AS "1 tier 1 verified", optimistic AS "2 tier 1 optimistic", mismatched AS "3 tier 1 mismatched",
         disputes_tier2 AS "4 tier 2 disputes", disputes_tier3 + escalations AS "5 tier 3 panels", traps_revealed AS "6 trap reveals"
  FROM windows WHERE run_id = $run_id AND "window" >= 0
) UNPIVOT (count FOR measure IN ("1 tier 1 verified", "2 tier 1 optimistic", "3 tier 1 mismatched", "4 tier 2 disputes", "5 tier 3 panels", "6 trap reveals"))
ORDER BY measure, "window";
