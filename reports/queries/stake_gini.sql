-- Stake concentration (Gini, %) of miners and validators at the start of every window.
SELECT "window", start_height AS height, 'miners' AS stakers, (miner_stake_gini_bps / 100.0)::DOUBLE AS gini_pct
FROM windows WHERE run_id = $run_id AND start_height IS NOT NULL
UNION ALL
SELECT "window", start_height, 'validators', (validator_stake_gini_bps / 100.0)::DOUBLE
FROM windows WHERE run_id = $run_id AND start_height IS NOT NULL
ORDER BY stakers, "window";
