-- Per actor class of one run: how many, what they earned and lost, how their work fared.
SELECT kind AS actor_kind,
       count(*)::INTEGER AS actors,
       sum(rewards_uremes) / 1e6 AS rewards_remes,
       sum(rewards_uremes) / 1e6 / count(*) AS rewards_per_actor_remes,
       sum(slashes)::INTEGER AS slashes,
       sum(slashed_uremes) / 1e6 AS slashed_remes,
       sum(stake_uremes) / 1e6 / count(*) AS final_stake_per_actor_remes,
       sum(submissions)::INTEGER AS submissions,
       sum(verified)::INTEGER AS verified,
       sum(rejected)::INTEGER AS rejected,
       sum(traps_caught)::INTEGER AS traps_caught,
       count(*) FILTER (WHERE slashes > 0)::INTEGER AS actors_slashed
FROM actors
WHERE run_id = $run_id
GROUP BY kind
ORDER BY kind;
