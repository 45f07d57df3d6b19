-- One row per run for comparing a sweep: its point, lazy-mining detection,
-- rewards per actor of honest miners and of each attacker class.
WITH lazy AS (
  SELECT a.run_id, count(*) AS actors,
         count(*) FILTER (WHERE EXISTS (SELECT 1 FROM slashes s WHERE s.run_id = a.run_id AND s.address = a.address AND s.offence = 'lazy_mining')) AS caught
  FROM actors a WHERE a.kind = 'lazy_miner' GROUP BY a.run_id
), per_class AS (
  SELECT run_id, kind, (sum(rewards_uremes) / 1e6 / count(*))::DOUBLE AS rewards_per_actor_remes,
         (sum(slashed_uremes) / 1e6 / count(*))::DOUBLE AS slashed_per_actor_remes
  FROM actors GROUP BY ALL
)
SELECT r.run_id, r.scenario, r.seed, r.sweep_point::VARCHAR AS sweep_point, r.status, r.blocks,
       coalesce(lazy.actors, 0)::INTEGER AS lazy_miners, coalesce(lazy.caught, 0)::INTEGER AS lazy_caught,
       CASE WHEN lazy.actors > 0 THEN (100.0 * lazy.caught / lazy.actors)::DOUBLE END AS lazy_caught_pct,
       p.kind AS actor_kind, p.rewards_per_actor_remes, p.slashed_per_actor_remes,
       (r.miner_stake_gini_bps / 100.0)::DOUBLE AS miner_stake_gini_pct
FROM runs r
LEFT JOIN lazy USING (run_id)
LEFT JOIN per_class p USING (run_id)
ORDER BY r.run_id, p.kind;
