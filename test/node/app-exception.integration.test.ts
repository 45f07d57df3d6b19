/**
 * A request the app can not answer gets an exception response, and the
 * app's log keeps the stack: CometBFT stops on an exception to FinalizeBlock
 * and logs only its message, so the log is where an operator (or CI) finds
 * where it came from.
 */
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { Request, Response } from "cosmjs-types/tendermint/abci/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { frame, FrameReader } from "../../src/node/framing.ts";
import { defaultInit, initHome } from "../../src/node/home.ts";
import { type RunningNode, startNode } from "../../src/node/run.ts";
import { sleep } from "../../src/testnet/procs.ts";
import { ensureCometbft } from "./harness.ts";

describe("an app request that fails", () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "r3mes-exc-"));
  const sock = path.join(home, "abci.sock");
  let node: RunningNode;
  beforeAll(async () => {
    ensureCometbft();
    await initHome({ ...defaultInit(home), proxyApp: `unix://${sock}` });
    node = await startNode({ home, withCometbft: false, snapshotInterval: 100, say: () => {} });
  }, 120_000);
  afterAll(async () => {
    await node?.stop("test done");
    fs.rmSync(home, { recursive: true, force: true });
  });

  it("is answered with an exception, and the app's log holds its stack", async () => {
    const socket = net.connect(sock);
    const reader = new FrameReader();
    const answer = new Promise<Response>((resolve, reject) => {
      socket.on("data", (chunk) => {
        const [f] = reader.push(chunk);
        if (f) resolve(Response.decode(f));
      });
      socket.on("error", reject);
    });
    // FinalizeBlock of height 7 on a chain that has not even had its InitChain.
    socket.write(
      frame(
        Request.encode(
          Request.fromPartial({ finalizeBlock: { height: 7n, txs: [], hash: new Uint8Array(32) } }),
        ).finish(),
      ),
    );
    const res = await answer;
    socket.destroy();
    expect(res.exception?.error).toBeTruthy();
    const log = path.join(home, "logs", "app.log");
    let text = "";
    for (let i = 0; i < 40 && !text.includes("finalizeBlock failed"); i++) {
      await sleep(50);
      text = fs.readFileSync(log, "utf8");
    }
    expect(text).toContain(`app: finalizeBlock failed: `);
    expect(text).toContain(res.exception!.error.replace(/^\w*Error: /, ""));
    expect(text).toMatch(/\n\s+at /);
  });
});
