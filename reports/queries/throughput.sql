-- Transactions and events per block, averaged over each window.
SELECT "window", start_height AS height, 'transactions' AS measure, (txs / blocks)::DOUBLE AS per_block
FROM windows WHERE run_id = $run_id AND blocks > 0
UNION ALL
SELECT "window", start_height, 'events', (events / blocks)::DOUBLE
FROM windows WHERE run_id = $run_id AND blocks > 0
UNION ALL
SELECT "window", start_height, 'rejected transactions', (rejected_txs / blocks)::DOUBLE
FROM windows WHERE run_id = $run_id AND blocks > 0
ORDER BY measure, "window";
