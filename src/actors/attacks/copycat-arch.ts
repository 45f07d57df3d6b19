/**
 * A copycat that declares its source's GPU architecture and kernel version.
 * The plain copycat (miners.ts) copies under its own architecture; this one
 * would put its copy in the source's tier-1 group, where it agreed with the
 * source: VERIFIED, the full reward. Two rules stop it: a miner submits under
 * its registered architecture (submissions.ts), and under gradient
 * commit–reveal (protocol/gradient-commits.ts) it must commit before anyone
 * reveals. So it commits to a made-up result, and two blocks before the
 * reveal period ends sends a shard peer's revealed submission (any
 * architecture, declared as the source's) as its reveal: refused, its
 * commitment expires unrevealed and is slashed. With no peer revealed it
 * reveals its junk.
 */
import { copyOf, type MinerBehaviour, randomFake, revealedPeer, trained } from "../miners.ts";

export const archCopycat: MinerBehaviour = {
  kind: "copycat_miner",
  answersAvailability: true,
  work: () => "later",
  late: (m, task, io) => {
    trained(m, task, io, 0);
    return { result: randomFake(io), delayMs: 0, stored: false };
  },
  reveal: (m, task, io, committed) => {
    const source = revealedPeer(m, task, io, false);
    return source ? copyOf(m, source, io, true) : committed;
  },
};
