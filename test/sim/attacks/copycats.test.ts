/**
 * Copy detection (issue 13): a copycat trains nothing and sends a same-
 * architecture shard peer's submission (hash, loss, CID, DA root). Tier 1
 * compares hashes, so an identical copy agreed with its source: VERIFIED and
 * paid in full. Gradient commit–reveal (src/protocol/gradient-commits.ts)
 * makes a miner commit to its whole submission, its own address included,
 * before anyone reveals: a copy can not open the copycat's commitment.
 */
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import type { ProtocolEvent } from "../../../src/protocol/events.ts";
import { type ActorSummary, runScenario } from "../../../src/sim/run.ts";
import { loadScenario } from "../../../src/sim/scenario.ts";

const root = resolve(import.meta.dirname, "../../../scenarios");

type Ev<C extends ProtocolEvent["case"]> = Extract<ProtocolEvent, { case: C }>["value"];

const run = async (path: string) => {
  const s = loadScenario(resolve(root, path));
  const events: ProtocolEvent[] = [];
  const r = await runScenario(s, {
    seed: s.seed ?? 1,
    blocks: s.shortBlocks ?? s.blocks,
    sink: { start() {}, end() {}, block: (b) => void events.push(...b.events) },
  });
  expect(r.violation).toBeUndefined();
  const of = <C extends ProtocolEvent["case"]>(c: C) =>
    events.filter((e) => e.case === c).map((e) => e.value as Ev<C>);
  return { r, of };
};

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const mean = (as: readonly ActorSummary[], f: (a: ActorSummary) => bigint): number =>
  Number(as.reduce((t, a) => t + f(a), 0n)) / as.length / 1e6;

/** Submissions by `who` whose (window, shard, arch, hash) is also an honest miner's: copies that tier 1 would verify. */
const verifiedCopies = (
  of: Awaited<ReturnType<typeof run>>["of"],
  who: ReadonlySet<string>,
  honest: ReadonlySet<string>,
) => {
  const subs = of("gradientSubmitted");
  const key = (s: (typeof subs)[number]) =>
    `${s.window}/${s.shard}/${s.gpuArch}/${s.kernelVersion}/${hex(s.gradientHash)}`;
  const honestKeys = new Set(subs.filter((s) => honest.has(s.miner)).map(key));
  const verified = new Set(of("tier1Evaluated").flatMap((t) => t.verifiedIds.map(Number)));
  return subs.filter(
    (s) => who.has(s.miner) && honestKeys.has(key(s)) && verified.has(Number(s.submissionId)),
  );
};

describe("copycat under gradient commit-reveal", () => {
  it("given copycats that copy a same-architecture shard peer, when windows settle, then no copy is VERIFIED and copycats lose money while honest miners earn", async () => {
    const { r, of } = await run("copycats.json");
    const copycats = r.actors.filter((a) => a.kind === "copycat_miner");
    const honest = r.actors.filter((a) => a.kind === "honest_miner");
    const cc = new Set(copycats.map((a) => a.address));

    expect(verifiedCopies(of, cc, new Set(honest.map((a) => a.address)))).toEqual([]);
    // Every copy it tried to reveal was refused: it opens no commitment of its own.
    expect(r.stats.rejectedByReason.get("submitGradient/mismatch") ?? 0).toBeGreaterThan(0);
    // What it can still be paid is its junk where it stood alone (OPTIMISTIC, 80%): less than an honest miner.
    expect(mean(copycats, (a) => a.rewardsUremes)).toBeLessThan(
      mean(honest, (a) => a.rewardsUremes),
    );
    // Its best tries cost it: junk revealed against a peer is slashed by tier 3, a commitment withheld at the close.
    expect(copycats.filter((a) => a.slashedUremes > 0n).length).toBeGreaterThanOrEqual(
      copycats.length - 1,
    );
    expect(mean(copycats, (a) => a.netUremes)).toBeLessThan(0);
    expect(mean(honest, (a) => a.netUremes)).toBeGreaterThan(0);
  });

  it("given copycats that declare their source's architecture (isolator.json), then their copies are never VERIFIED or paid", async () => {
    const { r, of } = await run("attacks/isolator.json");
    const declaring = r.actors.filter((a) => a.kind === "copycat_miner" && a.group === "declaring");
    const honest = r.actors.filter((a) => a.kind === "honest_miner");
    const cc = new Set(declaring.map((a) => a.address));
    expect(verifiedCopies(of, cc, new Set(honest.map((a) => a.address)))).toEqual([]);
    expect(mean(declaring, (a) => a.rewardsUremes)).toBeLessThan(
      0.5 * mean(honest, (a) => a.rewardsUremes),
    );
    expect(mean(declaring, (a) => a.netUremes)).toBeLessThan(0);
  });
});
