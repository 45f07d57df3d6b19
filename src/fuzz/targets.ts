/** Every fuzz target, in priority order (what `r3mes fuzz` runs with no --target). */
import type { FuzzTarget } from "./runner.ts";
import { chainTarget } from "./targets/chain.ts";
import { framingTarget } from "./targets/framing.ts";
import { protocolTarget } from "./targets/protocol.ts";
import { queryTarget } from "./targets/query.ts";
import { scenarioRunTarget, scenarioTarget } from "./targets/scenario.ts";
import { txTarget } from "./targets/tx.ts";

export const targets: readonly FuzzTarget<never>[] = [
  protocolTarget,
  txTarget,
  chainTarget,
  framingTarget,
  queryTarget,
  scenarioTarget,
  scenarioRunTarget,
] as unknown as FuzzTarget<never>[];

export const targetNamed = (name: string): FuzzTarget<never> | undefined =>
  targets.find((t) => t.name === name);
