/**
 * A copycat that declares its source's GPU architecture and kernel version.
 * The plain copycat (miners.ts) submits a copied hash under its own
 * architecture: copied from a peer of another architecture, it lands in its
 * own tier-1 group, mismatches there (or stands alone, OPTIMISTIC) and lives
 * on the loss vote. Declaring the source's architecture — which the chain
 * takes on trust (submissions.ts) — puts the copy in the source's group,
 * where it agrees with the source: VERIFIED, the full reward, and a lone
 * honest miner's hash is "confirmed" by its own copy. It copies a shard
 * peer's committed submission three blocks before the deadline (its bytes
 * fetched by CID, so it answers availability challenges), and submits
 * nothing when no shard peer has submitted.
 */
import { type MinerBehaviour, trained } from "../miners.ts";
import { peerSubmission } from "./observe.ts";

export const archCopycat: MinerBehaviour = {
  kind: "copycat_miner",
  answersAvailability: true,
  work: () => "later",
  late: (m, task, io) => {
    trained(m, task, io, 0);
    const s = peerSubmission(m, task, io);
    if (!s) return undefined;
    if (io.world.store.get(s.gradientCid) !== undefined) m.hold(s.gradientHash);
    return {
      result: {
        gradientHash: s.gradientHash,
        daRoot: s.daRoot,
        sizeBytes: s.sizeBytes,
        claimedLossMicro: s.claimedLossMicro,
        cid: s.gradientCid,
      },
      delayMs: 0,
      stored: false,
      gpuArch: s.gpuArch,
      kernelVersion: s.kernelVersion,
    };
  },
};
