-- Per run and lazy_miner group: tasks taken, trap catches, the share of the group a trap caught at
-- least once, stake and profit; with the run's honest miners' reward and training cost per task
-- (REMES), for the closed forms beside them (docs/profit.md). $run_id = '' selects every run.
WITH honest AS (
  SELECT run_id,
         (sum(rewards_uremes) / 1e6 / nullif(sum(tasks), 0))::DOUBLE AS honest_reward_per_task_remes,
         (sum(work_cost_uremes) / 1e6 / nullif(sum(tasks), 0))::DOUBLE AS honest_cost_per_task_remes,
         (avg(profit_uremes) / 1e6)::DOUBLE AS honest_profit_per_actor_remes
  FROM profit WHERE actor_kind = 'honest_miner' GROUP BY run_id
)
SELECT p.run_id, r.sweep_point::VARCHAR AS sweep_point, p.actor_group AS lazy_group,
       count(*)::INTEGER AS actors, sum(p.tasks)::BIGINT AS tasks, sum(a.traps_caught)::BIGINT AS trap_catches,
       count(*) FILTER (WHERE a.traps_caught > 0)::INTEGER AS actors_trapped,
       (avg(p.stake_genesis_uremes) / 1e6)::DOUBLE AS stake_per_actor_remes,
       (avg(p.profit_uremes) / 1e6)::DOUBLE AS profit_per_actor_remes,
       h.honest_reward_per_task_remes, h.honest_cost_per_task_remes, h.honest_profit_per_actor_remes
FROM profit p
JOIN runs r USING (run_id)
JOIN actors a ON a.run_id = p.run_id AND a.address = p.address
LEFT JOIN honest h ON h.run_id = p.run_id
WHERE p.actor_kind = 'lazy_miner' AND ($run_id = '' OR p.run_id = $run_id)
GROUP BY ALL
ORDER BY p.run_id, lazy_group;
