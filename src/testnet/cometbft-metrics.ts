/**
 * CometBFT v0.38's own Prometheus metrics (namespace `cometbft`), as its
 * docs list them (docs/explanation/core/metrics.md of the CometBFT repo) and
 * as a v0.38 node serves them (test/node/metrics.integration.test.ts):
 * testnets turn them on (config.toml `instrumentation.prometheus`), and the
 * Grafana dashboard (testnet/grafana/r3mes.json) may reference only these
 * and the app's own r3mes_* names (checked by test/testnet/grafana.test.ts).
 * Histograms are listed by their base name (…_bucket, _sum, _count follow).
 */
export const COMETBFT_METRICS: readonly string[] = [
  "cometbft_abci_connection_method_timing_seconds",
  "cometbft_consensus_block_interval_seconds",
  "cometbft_consensus_block_parts",
  "cometbft_consensus_block_size_bytes",
  "cometbft_consensus_block_syncing",
  "cometbft_consensus_byzantine_validators",
  "cometbft_consensus_byzantine_validators_power",
  "cometbft_consensus_chain_size_bytes",
  "cometbft_consensus_height",
  "cometbft_consensus_latest_block_height",
  "cometbft_consensus_missing_validators",
  "cometbft_consensus_missing_validators_power",
  "cometbft_consensus_num_txs",
  "cometbft_consensus_round_duration_seconds",
  "cometbft_consensus_rounds",
  "cometbft_consensus_state_syncing",
  "cometbft_consensus_step_duration_seconds",
  "cometbft_consensus_total_txs",
  "cometbft_consensus_validator_last_signed_height",
  "cometbft_consensus_validator_power",
  "cometbft_consensus_validators",
  "cometbft_consensus_validators_power",
  "cometbft_mempool_failed_txs",
  "cometbft_mempool_recheck_times",
  "cometbft_mempool_size",
  "cometbft_mempool_size_bytes",
  "cometbft_mempool_tx_size_bytes",
  "cometbft_p2p_peer_pending_send_bytes",
  "cometbft_p2p_peer_receive_bytes_total",
  "cometbft_p2p_peer_send_bytes_total",
  "cometbft_p2p_peers",
  "cometbft_state_block_processing_time",
];
