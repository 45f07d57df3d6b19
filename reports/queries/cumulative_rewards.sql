-- Cumulative rewards per actor of each class at the end of every window
-- (rewards placed in the window in progress at the height they were minted).
WITH classes AS (
  SELECT kind, count(*) AS actors FROM actors WHERE run_id = $run_id GROUP BY kind
), w AS (
  -- the end of every window, and the block before the first one (where everything starts at 0)
  SELECT "window", max(height) AS height FROM blocks WHERE run_id = $run_id GROUP BY "window"
  UNION ALL
  SELECT min("window") - 1, min(height) - 1 FROM blocks WHERE run_id = $run_id HAVING count(*) > 0
), r AS (
  SELECT b."window", r.actor_kind, sum(r.amount_uremes) AS amount
  FROM rewards r JOIN blocks b ON b.run_id = r.run_id AND b.height = r.height
  WHERE r.run_id = $run_id
  GROUP BY ALL
)
SELECT w."window", w.height, c.kind AS actor_kind,
       (sum(coalesce(r.amount, 0)) OVER (PARTITION BY c.kind ORDER BY w."window") / c.actors / 1e6)::DOUBLE AS remes_per_actor
FROM w CROSS JOIN classes c
LEFT JOIN r ON r."window" = w."window" AND r.actor_kind = c.kind
ORDER BY c.kind, w."window";
