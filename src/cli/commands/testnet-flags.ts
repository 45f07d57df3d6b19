/** Flags `testnet up` and `testnet manifests` share: the role daemons' counts and the network's timing. */
import { Flag } from "effect/cli";

export const testnetShapeFlags = {
  miners: Flag.Int("miners").pipe(Flag.withDescription("Miner daemons"), Flag.withDefault(8)),
  proposers: Flag.Int("proposers").pipe(
    Flag.withDescription("Proposer daemons"),
    Flag.withDefault(2),
  ),
  lazy: Flag.Int("lazy").pipe(
    Flag.withDescription("How many of the miners are lazy (skip every task, submit a random hash)"),
    Flag.withDefault(2),
  ),
  blockTimeMs: Flag.Int("block-time-ms").pipe(
    Flag.withDescription("CometBFT timeout_commit in ms"),
    Flag.withDefault(500),
  ),
  trainMs: Flag.Int("train-ms").pipe(
    Flag.withDescription("Simulated training time per task in ms"),
    Flag.withDefault(1500),
  ),
  snapshotInterval: Flag.Int("snapshot-interval").pipe(
    Flag.withDescription(
      "Blocks between the apps' state-sync snapshots (recorded in testnet.json: restarts keep it)",
    ),
    Flag.withDefault(50),
  ),
};
