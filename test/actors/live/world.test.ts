/**
 * Aggregates are blobs in the content store: the proposer's store publishes
 * the aggregate vector and gives it the blob's CID (what goes on chain); a
 * validator's store fetches that blob, verified against the CID, and finds
 * the aggregate right only when it holds exactly the vector the validator
 * recomputed. A withheld or corrupt aggregate is not there.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  decodeAggregateBlob,
  encodeAggregateBlob,
  LiveContentStore,
} from "../../../src/actors/live/world.ts";
import { ContentStore } from "../../../src/actors/world.ts";
import { cidOfBytes } from "../../../src/store/blob-store.ts";
import { openHeliaStore } from "../../../src/store/helia.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
const store = async () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "r3mes-agg-"));
  dirs.push(d);
  return openHeliaStore(d);
};

describe("aggregates in the live content store", () => {
  const vector = Int32Array.from([3, -7, 0, 2_000_000_000, -2_000_000_000]);

  it("publishes the aggregate under its blob's CID, and a validator fetches and verifies it", async () => {
    const blobs = await store();
    const logs: string[] = [];
    const proposer = new LiveContentStore(blobs, (l) => logs.push(l));
    const cid = proposer.aggregateCidOf(vector);
    expect(cid).toBe(await cidOfBytes(encodeAggregateBlob(vector)));
    proposer.putAggregate(cid, vector);
    await proposer.flush();
    expect(await blobs.has(cid)).toBe(true);

    const validator = new LiveContentStore(blobs, (l) => logs.push(l));
    expect(validator.hasAggregate(cid, vector)).toBe(false); // not fetched yet
    expect(await validator.fetchAggregate(cid)).toBe(true);
    expect(validator.hasAggregate(cid, vector)).toBe(true);
    expect(validator.hasAggregate(cid, Int32Array.from([3, -7, 0, 2_000_000_000, 0]))).toBe(false);
    expect(decodeAggregateBlob(await blobs.get(cid))).toEqual(vector);
    expect(logs).toEqual([]);
    await blobs.close();
  });

  it("a withheld aggregate (never published) is not there, and says why", async () => {
    const blobs = await store();
    const logs: string[] = [];
    const cid = new LiveContentStore(blobs, () => {}).aggregateCidOf(vector); // computed, never put
    const validator = new LiveContentStore(blobs, (l) => logs.push(l));
    expect(await validator.fetchAggregate(cid)).toBe(false);
    expect(validator.hasAggregate(cid, vector)).toBe(false);
    expect(logs.join("\n")).toMatch(new RegExp(`aggregate ${cid} not fetched \\(missing`));
    await blobs.close();
  });

  it("a blob that is not an aggregate is refused", async () => {
    const blobs = await store();
    const logs: string[] = [];
    const cid = await blobs.put(
      new TextEncoder().encode(
        JSON.stringify({
          v: 1,
          window: 3,
          gradientHash: "00".repeat(32),
          sizeBytes: "4",
          update: [1],
        }),
      ),
    );
    const validator = new LiveContentStore(blobs, (l) => logs.push(l));
    expect(await validator.fetchAggregate(cid)).toBe(false);
    expect(logs.join("\n")).toContain("not an r3mes aggregate blob");
    await blobs.close();
  });

  it("the simulator's store keeps its content ids and models no withheld aggregate", () => {
    const sim = new ContentStore();
    const cid = sim.aggregateCidOf(vector);
    expect(cid).not.toBe(new LiveContentStore({} as never, () => {}).aggregateCidOf(vector));
    sim.putAggregate(cid, vector);
    expect(sim.hasAggregate(cid, vector)).toBe(true);
  });
});
