-- Every run in the database with its outcome (one row per run, by run_id).
SELECT run_id, scenario, seed, sweep_point::VARCHAR AS sweep_point, config::VARCHAR AS config, params::VARCHAR AS params,
       status, planned_blocks, blocks, events, actors, event_log_sha256, app_hash, violation_height, violation,
       supply_genesis_uremes / 1e6 AS supply_genesis_remes, supply_minted_uremes / 1e6 AS supply_minted_remes,
       supply_burned_uremes / 1e6 AS supply_burned_remes,
       miner_stake_gini_bps / 100.0 AS miner_stake_gini_pct, validator_stake_gini_bps / 100.0 AS validator_stake_gini_pct
FROM runs
ORDER BY run_id;
