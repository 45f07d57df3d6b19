-- The global model after each training window: loss = squared distance to
-- the optimum (simulated backend) or held-out cross-entropy in micro-nats
-- (kernels backend), as a share of the initial model's
-- (loss_ratio), against the window and against the REMES minted by then.
SELECT "window", open_height, settled_height, method, included, aggregate_finalized, aggregation_faulted,
       loss, loss_ratio, distance, aggregate_error_l1, remes_minted,
       greatest(loss_ratio, 1e-6)::DOUBLE AS loss_ratio_floored
FROM model
WHERE run_id = $run_id AND loss_ratio IS NOT NULL
ORDER BY "window";
