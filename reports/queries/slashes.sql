-- Every slash of one run: when, whom (class), why, how much.
SELECT height, "window", address, actor_kind, role, offence, offence_key,
       (amount_uremes / 1e6)::DOUBLE AS amount_remes
FROM slashes
WHERE run_id = $run_id
ORDER BY height, offence_key;
