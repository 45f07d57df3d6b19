-- Bonded stake held by each actor class at every snapshot (window starts, last block), in REMES.
SELECT height, "window", actor_kind, actors, (stake_uremes / 1e6)::DOUBLE AS stake_remes
FROM stake
WHERE run_id = $run_id
ORDER BY actor_kind, height;
