-- Coalitions: groups whose members play several kinds, one of them an attacker (e.g. miners and the
-- validator that farms challenges for them). Per run, group and kind: members and their total profit.
-- $run_id = '' selects every run.
WITH mixed AS (
  SELECT run_id, actor_group FROM profit GROUP BY ALL
  HAVING count(DISTINCT actor_kind) > 1 AND bool_or(NOT starts_with(actor_kind, 'honest_'))
)
SELECT p.run_id, p.actor_group, p.actor_kind,
       count(*)::INTEGER AS actors,
       (sum(p.profit_uremes) / 1e6)::DOUBLE AS profit_remes
FROM profit p
JOIN mixed USING (run_id, actor_group)
WHERE $run_id = '' OR p.run_id = $run_id
GROUP BY ALL
ORDER BY p.run_id, p.actor_group, p.actor_kind;
