/**
 * A scenario file schedules perturbations by height:
 *   {"perturbations": [{"at": 40, "do": "kill", "node": "val3"}, {"at": 65, "do": "restart", "node": "val3"}]}
 * `r3mes testnet up --scenario FILE` starts a conductor process that applies
 * each one when the highest node reaches its height (logs/conductor.log).
 */
import * as fs from "node:fs";
import { height } from "./up.ts";
import { perturb, type Perturbation, perturbations } from "./perturb.ts";
import { sleep } from "./procs.ts";
import { readState, rpcUrl } from "./state.ts";

export interface ScheduledPerturbation {
  readonly at: number;
  readonly do: Perturbation;
  readonly node: string;
}

export const readScenario = (file: string): ScheduledPerturbation[] => {
  if (!fs.existsSync(file)) throw new Error(`scenario ${file} does not exist`);
  let doc: { perturbations?: unknown };
  try {
    doc = JSON.parse(fs.readFileSync(file, "utf8")) as { perturbations?: unknown };
  } catch (e) {
    throw new Error(`scenario ${file} is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!Array.isArray(doc.perturbations))
    throw new Error(
      `scenario ${file}: expected {"perturbations": [{"at": HEIGHT, "do": "kill|restart|pause|resume|partition|heal", "node": "val1"}, …]}`,
    );
  return doc.perturbations
    .map((p: { at?: unknown; do?: unknown; node?: unknown }, i: number) => {
      if (!Number.isInteger(p.at) || (p.at as number) < 1)
        throw new Error(`scenario ${file}: perturbations[${i}].at must be a height ≥ 1`);
      if (!perturbations.includes(p.do as Perturbation))
        throw new Error(
          `scenario ${file}: perturbations[${i}].do must be one of ${perturbations.join(", ")}`,
        );
      if (typeof p.node !== "string")
        throw new Error(`scenario ${file}: perturbations[${i}].node must be a node name (val0, …)`);
      return { at: p.at as number, do: p.do as Perturbation, node: p.node };
    })
    .sort((a, b) => a.at - b.at);
};

export const conduct = async (
  dir: string,
  file: string,
  say: (line: string) => void,
): Promise<void> => {
  const plan = readScenario(file);
  const s = readState(dir);
  for (const p of plan)
    s.nodes.find((n) => n.name === p.node) ??
      (() => {
        throw new Error(`scenario ${file}: no node ${p.node}`);
      })();
  say(`conductor: ${plan.length} perturbations scheduled`);
  for (const p of plan) {
    for (;;) {
      const hs = await Promise.all(readState(dir).nodes.map((n) => height(rpcUrl(n))));
      const top = Math.max(...hs.map((h) => h ?? 0));
      if (top >= p.at) break;
      await sleep(200);
    }
    say(`height ${p.at}: ${await perturb(dir, p.do, p.node)}`);
  }
  say("conductor: scenario done");
};
