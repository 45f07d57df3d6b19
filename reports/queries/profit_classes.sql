-- Per run and actor class: profit per actor (REMES) and its breakdown, the spread of profit over the
-- class's actors (for intervals), profit per staked REMES and per GPU-hour (docs/profit.md).
-- $run_id = '' selects every run. A class is a kind, or "kind (group)" where an attacker kind plays
-- several groups in one run (an attack scenario comparing strategies side by side).
WITH groups AS (SELECT run_id, actor_kind, count(DISTINCT actor_group) AS n FROM profit GROUP BY ALL)
SELECT p.run_id, r.scenario, r.seed, r.sweep_point::VARCHAR AS sweep_point,
       CASE WHEN g.n > 1 AND NOT starts_with(p.actor_kind, 'honest_') THEN p.actor_kind || ' (' || p.actor_group || ')' ELSE p.actor_kind END AS actor_kind,
       count(*)::INTEGER AS actors,
       (avg(p.profit_uremes) / 1e6)::DOUBLE AS profit_per_actor_remes,
       coalesce(var_samp(p.profit_uremes / 1e6), 0)::DOUBLE AS profit_var_remes2,
       (avg(p.net_uremes) / 1e6)::DOUBLE AS net_per_actor_remes,
       (avg(p.rewards_uremes) / 1e6)::DOUBLE AS rewards_per_actor_remes,
       (avg(p.slashed_uremes) / 1e6)::DOUBLE AS slashed_per_actor_remes,
       (avg(p.bonds_lost_uremes + p.bonds_open_uremes) / 1e6)::DOUBLE AS bonds_lost_per_actor_remes,
       (avg(p.bonds_won_uremes + p.slash_bounty_uremes) / 1e6)::DOUBLE AS bonds_won_per_actor_remes,
       (avg(p.fees_uremes) / 1e6)::DOUBLE AS fees_per_actor_remes,
       (avg(p.work_cost_uremes) / 1e6)::DOUBLE AS work_cost_per_actor_remes,
       (avg(p.capital_cost_uremes) / 1e6)::DOUBLE AS capital_cost_per_actor_remes,
       avg(p.tasks)::DOUBLE AS tasks_per_actor,
       (sum(p.gpu_ms) / 3.6e6 / count(*))::DOUBLE AS gpu_hours_per_actor,
       (100.0 * sum(p.profit_uremes) / nullif(sum(p.stake_genesis_uremes), 0))::DOUBLE AS profit_pct_of_stake,
       (sum(p.profit_uremes) / 1e6 / nullif(sum(p.gpu_ms) / 3.6e6, 0))::DOUBLE AS profit_per_gpu_hour_remes
FROM profit p
JOIN runs r USING (run_id)
JOIN groups g USING (run_id, actor_kind)
WHERE $run_id = '' OR p.run_id = $run_id
GROUP BY ALL
ORDER BY p.run_id, 5;
