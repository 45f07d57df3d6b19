-- One row per run for comparing the model across a sweep: the global
-- model's loss after the run's last settled window (as a share of the initial
-- model's), the worst (peak) and best it reached, REMES minted, and the
-- poisoners' share of the miners. Peak shows how far attackers drag the model
-- while they are bonded; final, whether it recovered once they were slashed out.
WITH last AS (
  SELECT run_id, arg_max(loss_ratio, "window") AS final_loss_ratio, min(loss_ratio) AS best_loss_ratio, max(loss_ratio) AS peak_loss_ratio,
         max(remes_minted) AS remes_minted, count(*) FILTER (WHERE aggregate_finalized) AS windows_finalized, count(*) AS windows
  FROM model WHERE loss_ratio IS NOT NULL AND settled_height IS NOT NULL GROUP BY run_id
), miners AS (
  SELECT run_id, count(*) FILTER (WHERE kind = 'poisoner_miner') AS poisoners, count(*) AS miners
  FROM actors WHERE kind LIKE '%\_miner' ESCAPE '\' OR kind = 'data_withholder' GROUP BY run_id
)
SELECT r.run_id, r.scenario, r.seed, r.sweep_point::VARCHAR AS sweep_point,
       l.final_loss_ratio::DOUBLE AS final_loss_ratio, l.best_loss_ratio::DOUBLE AS best_loss_ratio,
       l.peak_loss_ratio::DOUBLE AS peak_loss_ratio,
       greatest(l.final_loss_ratio, 1e-6)::DOUBLE AS final_loss_ratio_floored,
       greatest(l.peak_loss_ratio, 1e-6)::DOUBLE AS peak_loss_ratio_floored,
       l.remes_minted::DOUBLE AS remes_minted, l.windows_finalized::INTEGER AS windows_finalized, l.windows::INTEGER AS windows,
       (100.0 * m.poisoners / m.miners)::DOUBLE AS poisoner_share_pct
FROM runs r
JOIN last l USING (run_id)
LEFT JOIN miners m USING (run_id)
ORDER BY r.run_id;
