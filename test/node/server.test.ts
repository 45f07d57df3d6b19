/**
 * The ABCI socket layer: frames split anywhere or packed several per chunk
 * come out whole and in order; responses follow request order across
 * connections; undecodable requests get exception responses.
 */
import * as net from "node:net";
import fc from "fast-check";
import { Request, Response } from "cosmjs-types/tendermint/abci/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { frame, FrameError, FrameReader } from "../../src/node/framing.ts";
import { AbciServer, type AbciHandler } from "../../src/node/server.ts";

describe("FrameReader", () => {
  it("reassembles any split of any sequence of frames", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }), fc.array(fc.nat({ max: 400 }), { maxLength: 30 }), (payloads, cuts) => {
        const stream = Buffer.concat(payloads.map(frame));
        const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
        const reader = new FrameReader();
        const got: Uint8Array[] = [];
        let prev = 0;
        for (const p of [...points, stream.length]) {
          got.push(...reader.push(stream.subarray(prev, p)).map((f) => f.slice()));
          prev = p;
        }
        expect(got.map((g) => Buffer.from(g).toString("hex"))).toEqual(payloads.map((x) => Buffer.from(x).toString("hex")));
        expect(reader.pending).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it("rejects a length prefix beyond the limit or longer than 10 bytes", () => {
    expect(() => new FrameReader(100).push(Uint8Array.of(0xff, 0x01))).toThrow(FrameError);
    expect(() => new FrameReader().push(new Uint8Array(11).fill(0x80))).toThrow(FrameError);
  });
});

const echoing: AbciHandler = (req) => ({ info: { data: "x", version: "", appVersion: 0n, lastBlockHeight: 7n, lastBlockAppHash: new Uint8Array(0) }, ...(req.query ? { info: undefined, query: { code: 0, log: req.query.path, info: "", index: 0n, key: new Uint8Array(0), value: new Uint8Array(0), height: 0n, codespace: "" } } : {}) });

describe("AbciServer", () => {
  let server: AbciServer;
  beforeAll(async () => {
    server = new AbciServer(echoing, { address: "tcp://127.0.0.1:0" });
    await server.listen();
  });
  afterAll(() => server.close());

  const exchange = (chunks: Uint8Array[], expected: number): Promise<Response[]> =>
    new Promise((resolve, reject) => {
      const sock = net.connect(server.port, "127.0.0.1");
      const reader = new FrameReader();
      const got: Response[] = [];
      sock.on("data", (d) => {
        for (const f of reader.push(new Uint8Array(d))) got.push(Response.decode(f));
        if (got.length >= expected) {
          sock.destroy();
          resolve(got);
        }
      });
      sock.on("error", reject);
      sock.on("close", () => resolve(got));
      (async () => {
        for (const c of chunks) {
          sock.write(c);
          await new Promise((r) => setTimeout(r, 1));
        }
      })();
    });

  it("answers frames packed in one chunk and frames split byte by byte, in order", async () => {
    const reqs = Array.from({ length: 50 }, (_, i) => frame(Request.encode(i % 3 === 0 ? { flush: {} } : i % 3 === 1 ? { echo: { message: `m${i}` } } : { query: { path: `/p${i}`, data: new Uint8Array(0), height: 0n, prove: false } }).finish()));
    const packed = Buffer.concat(reqs);
    const bytewise = [...packed].map((b) => Uint8Array.of(b));
    for (const chunks of [[packed], bytewise.slice(0, 200).concat([packed.subarray(200)])]) {
      const res = await exchange(chunks, 50);
      expect(res).toHaveLength(50);
      res.forEach((r, i) => {
        if (i % 3 === 0) expect(r.flush).toBeDefined();
        else if (i % 3 === 1) expect(r.echo?.message).toBe(`m${i}`);
        else expect(r.query?.log).toBe(`/p${i}`);
      });
    }
  });

  it("gives an exception response to an undecodable request and keeps serving", async () => {
    const res = await exchange([frame(Uint8Array.of(0xff, 0xff, 0xff)), frame(Request.encode({ echo: { message: "still here" } }).finish())], 2);
    expect(res[0]!.exception?.error).toBeTruthy();
    expect(res[1]!.echo?.message).toBe("still here");
  });
});
