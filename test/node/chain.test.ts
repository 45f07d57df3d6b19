/**
 * A real single-node chain: `r3mes node start` runs the app and CometBFT,
 * blocks are produced, the app hash CometBFT reports is the app's, and a
 * clean stop and restart continues at the next height with the same hashes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalChain } from "./harness.ts";

describe("r3mes node start (real CometBFT)", () => {
  let chain: LocalChain;
  beforeAll(async () => {
    chain = await LocalChain.create();
  }, 240_000);
  afterAll(async () => {
    await chain?.stop();
    chain?.remove();
  });

  it("produces blocks, stops on SIGTERM and continues after a restart with unchanged app hashes", async () => {
    chain.start();
    await chain.waitForHeight(4);
    const info = (await (await fetch(`${chain.rpc}/abci_info`)).json()) as { result: { response: { data: string; last_block_height: string } } };
    expect(info.result.response.data).toBe("r3mes");
    const before = await Promise.all([1, 2, 3].map((h) => chain.appHashAfter(h)));
    await chain.stop();
    const stopped = (await chain.status()) === undefined;
    expect(stopped).toBe(true);

    chain.start();
    const h = await chain.waitForHeight(7);
    expect(h).toBeGreaterThanOrEqual(7);
    expect(await Promise.all([1, 2, 3].map((x) => chain.appHashAfter(x)))).toEqual(before);
  }, 120_000);
});
