/** Checks a gradient commitment and its reveal share: the sender is an active miner, on the shard its window assigned it. */
import { Role } from "../gen/remes/v1/types_pb.ts";
import { fail, type ProtocolError } from "./errors.ts";
import { isActive, roleOf } from "./staking.ts";
import type { RoleRecord, State, WindowState } from "./state.ts";

/** A gradient's sender must be an active miner (commitments and reveals alike): its role, or why not. */
export const activeMiner = (
  state: Readonly<State>,
  address: string,
): RoleRecord | ProtocolError => {
  const miner = roleOf(state, Role.MINER, address);
  if (miner && isActive(state, miner)) return miner;
  return fail(
    "unauthorized",
    `${address} is not an active miner; register with MsgRegisterMiner and keep at least ${state.params.minMinerStake} uremes bonded`,
  );
};

/** The shard named must be the one the window assigned the miner (commitments and reveals alike). */
export const checkAssignedShard = (
  w: WindowState,
  m: { readonly miner: string; readonly window: bigint; readonly shard: number },
  verb: "commit" | "submit",
): ProtocolError | undefined => {
  const shard = w.assignment.get(m.miner);
  if (shard === undefined)
    return fail(
      "wrongShard",
      `${m.miner} has no shard in window ${m.window} (it registered after the window opened); ${verb} in the next window`,
    );
  if (shard !== m.shard)
    return fail(
      "wrongShard",
      `${m.miner} is assigned shard ${shard} in window ${m.window}, not ${m.shard}`,
    );
  return undefined;
};
