-- Share of each miner class detected (slashed for lazy mining at least once,
-- by a trap or a dispute) by the end of every window. Honest miners should stay at 0.
WITH firsts AS (
  SELECT address, actor_kind, min(height) AS height
  FROM slashes WHERE run_id = $run_id AND offence = 'lazy_mining' GROUP BY ALL
), classes AS (
  SELECT kind, count(*) AS actors FROM actors
  WHERE run_id = $run_id AND (kind LIKE '%\_miner' ESCAPE '\' OR kind = 'data_withholder') GROUP BY kind
), w AS (
  -- the end of every window, and the block before the first one (where everything starts at 0)
  SELECT "window", max(height) AS height FROM blocks WHERE run_id = $run_id GROUP BY "window"
  UNION ALL
  SELECT min("window") - 1, min(height) - 1 FROM blocks WHERE run_id = $run_id HAVING count(*) > 0
)
SELECT w."window", w.height, c.kind AS actor_kind, c.actors::INTEGER AS actors,
       count(f.address)::INTEGER AS detected,
       (100.0 * count(f.address) / c.actors)::DOUBLE AS detected_pct
FROM w CROSS JOIN classes c
LEFT JOIN firsts f ON f.actor_kind = c.kind AND f.height <= w.height
GROUP BY w."window", w.height, c.kind, c.actors
ORDER BY c.kind, w."window";
