/**
 * What every ABCI connection of the app reads: the last committed block's
 * state (Consensus writes it at Commit and load; state sync through
 * Consensus.load) and this node's settings. RemesApp holds it; the
 * connections (consensus.ts, mempool.ts, state-sync.ts, info.ts) take it,
 * as Penumbra's consensus, mempool, info and snapshot services share one
 * storage handle.
 */
import type { State } from "../protocol/state.ts";
import type { UpgradeHandlers } from "../protocol/upgrades.ts";
import type { Accounts } from "./accounts.ts";
import type { NodeBeacon } from "./beacon.ts";
import type { NodeStore } from "./store.ts";
import type { NodeMetrics } from "./metrics.ts";
import type { GasPrice } from "./tx.ts";

export interface Committed {
  readonly store: NodeStore;
  readonly beacon: NodeBeacon;
  state: State | undefined;
  /** App hash (CometBFT's) and height of the last committed block (or of genesis). */
  appHash: Uint8Array;
  /** The app hash's components: the protocol's (the simulator's app hash) and the accounts'. */
  protocolHash: Uint8Array;
  accountsHash: Uint8Array;
  height: number;
  chainId: string;
  accounts: Accounts;
  readonly snapshotInterval: number;
  readonly keepSnapshots: number;
  readonly maxTxBytes: number;
  /** Minimum fee per gas unit a tx must pay to enter this node's mempool (CheckTx). */
  readonly minGasPrice: GasPrice;
  readonly log: (line: string) => void;
  /** Prometheus metrics (metrics.ts), when enabled: recorded from a block's results, never read by consensus. */
  readonly metrics: NodeMetrics | undefined;
  /** This binary's software-upgrade handlers (upgrades.ts) and version (version.ts). */
  readonly upgrades: UpgradeHandlers;
  readonly version: string;
}

export const requireState = (c: Committed): State => {
  if (!c.state) throw new Error("the chain has not been initialised (InitChain) yet");
  return c.state;
};
