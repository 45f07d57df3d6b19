/**
 * Shared by the validator, proposer and governance attack tests: load a
 * scenario of scenarios/attacks/, run it while keeping the events the tests
 * judge, and sum actors by kind and group.
 */
import { resolve } from "node:path";
import { DisputeSubject } from "../../../src/gen/remes/v1/events_pb.ts";
import type { EventOf, ProtocolEvent } from "../../../src/protocol/events.ts";
import type { State } from "../../../src/protocol/state.ts";
import { type ActorSummary, type RunResult, runScenario } from "../../../src/sim/run.ts";
import { loadScenario, type Scenario } from "../../../src/sim/scenario.ts";

const dir = resolve(import.meta.dirname, "../../../scenarios/attacks");

export const attackScenario = (name: string): Scenario =>
  loadScenario(resolve(dir, `${name}.json`));

export interface Seen<C extends ProtocolEvent["case"]> {
  readonly height: number;
  readonly value: EventOf<C>;
}

export interface Observed extends RunResult {
  /** Every event of the given cases, with its block height. */
  readonly seen: <C extends ProtocolEvent["case"]>(c: C) => Seen<C>[];
  /** The author (miner or proposer address) of each dispute, by id. */
  readonly authors: ReadonlyMap<number, string>;
  /** The proposer of each block, by height. */
  readonly proposers: ReadonlyMap<number, string>;
  readonly finalState: Readonly<State>;
}

export const observe = async (
  s: Scenario,
  opts: { seed?: number; blocks?: number } = {},
): Promise<Observed> => {
  const byCase = new Map<string, Seen<never>[]>();
  const authors = new Map<number, string>();
  const proposers = new Map<number, string>();
  let finalState: Readonly<State> | undefined;
  const r = await runScenario(s, {
    seed: opts.seed ?? s.seed ?? 1,
    ...(opts.blocks ? { blocks: opts.blocks } : {}),
    sink: {
      start() {},
      block(b) {
        finalState = b.state;
        proposers.set(b.height, b.context?.proposer ?? "");
        for (const e of b.events) {
          let list = byCase.get(e.case);
          if (!list) byCase.set(e.case, (list = []));
          list.push({ height: b.height, value: e.value } as Seen<never>);
          if (e.case === "disputeOpened") {
            const v = e.value;
            const author =
              v.subject === DisputeSubject.GRADIENT
                ? b.state.submissions.get(Number(v.subjectId))?.miner
                : [...b.state.windows.values()].find(
                    (w) => w.aggregation?.revealed?.id === Number(v.subjectId),
                  )?.aggregation?.proposer;
            if (author) authors.set(Number(v.disputeId), author);
          }
        }
      },
      end() {},
    },
  });
  return {
    ...r,
    seen: (c) => (byCase.get(c) ?? []) as never,
    authors,
    proposers,
    finalState: finalState!,
  };
};

export const members = (r: RunResult, kind: string, group?: string): ActorSummary[] =>
  r.actors.filter((a) => a.kind === kind && (group === undefined || a.group === group));

export const total = (as: readonly ActorSummary[], f: (a: ActorSummary) => bigint): bigint =>
  as.reduce((s, a) => s + f(a), 0n);

/** Mean over the actors, in uremes (integer division). */
export const mean = (as: readonly ActorSummary[], f: (a: ActorSummary) => bigint): bigint =>
  as.length === 0 ? 0n : total(as, f) / BigInt(as.length);

export const REMES = 1_000_000n;

/** The scenario with every group of `kind` turned into `to` (its other options kept where they still apply). */
export const replaceKind = (s: Scenario, kind: string, to: "honest_validator"): Scenario => ({
  ...s,
  actors: s.actors.map((g) =>
    g.kind === kind
      ? {
          kind: to,
          count: g.count,
          ...(g.group ? { group: g.group } : {}),
          ...(g.stakeRemes ? { stakeRemes: g.stakeRemes } : {}),
        }
      : g,
  ),
});
