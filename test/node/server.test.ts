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
import { encodeAbciResponse, encodeAbciResponseFrame } from "../../src/node/abci-encoding.ts";
import { AbciServer, type AbciHandler, answerFrame, decodeRequest } from "../../src/node/server.ts";

describe("FrameReader", () => {
  it("reassembles any split of any sequence of frames", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }),
        fc.array(fc.nat({ max: 400 }), { maxLength: 30 }),
        (payloads, cuts) => {
          const stream = Buffer.concat(payloads.map(frame));
          const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort(
            (a, b) => a - b,
          );
          const reader = new FrameReader();
          const got: Uint8Array[] = [];
          let prev = 0;
          for (const p of [...points, stream.length]) {
            got.push(...reader.push(stream.subarray(prev, p)).map((f) => f.slice()));
            prev = p;
          }
          expect(got.map((g) => Buffer.from(g).toString("hex"))).toEqual(
            payloads.map((x) => Buffer.from(x).toString("hex")),
          );
          expect(reader.pending).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("rejects a length prefix beyond the limit or longer than 10 bytes", () => {
    expect(() => new FrameReader(100).push(Uint8Array.of(0xff, 0x01))).toThrow(FrameError);
    expect(() => new FrameReader().push(new Uint8Array(11).fill(0x80))).toThrow(FrameError);
  });
});

const echoing: AbciHandler = (req) => ({
  info: {
    data: "x",
    version: "",
    appVersion: 0n,
    lastBlockHeight: 7n,
    lastBlockAppHash: new Uint8Array(0),
  },
  ...(req.query
    ? {
        info: undefined,
        query: {
          code: 0,
          log: req.query.path,
          info: "",
          index: 0n,
          key: new Uint8Array(0),
          value: new Uint8Array(0),
          height: 0n,
          codespace: "",
        },
      }
    : {}),
});

describe("decodeRequest and response frames", () => {
  it("reads a CheckTx request in place as Request.decode does, and leaves any other shape to it", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 400 }),
        fc.constantFrom(0, 1),
        fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 2 }),
        (tx, type, flips) => {
          const bytes = Request.encode(Request.fromPartial({ checkTx: { tx, type } })).finish();
          for (const [at, v] of flips) bytes[at % bytes.length] = v;
          let expected: unknown;
          try {
            expected = Request.decode(bytes);
          } catch {
            expected = undefined;
          }
          const d = decodeRequest(bytes);
          if ("error" in d) return;
          // Request.decode spells the other methods out as undefined; toEqual ignores undefined properties.
          expect(d.req).toEqual(expected);
          expect(d.kind).toBe(
            Object.keys(expected as object).find((k) => (expected as never)[k] !== undefined),
          );
        },
      ),
      { numRuns: 500, seed: 16 },
    );
  });

  it("answers CometBFT's Flush with its constant frame, and leaves any other flush-like bytes to Request.decode", () => {
    const handler: AbciHandler = () => {
      throw new Error("a Flush never reaches the handler");
    };
    const flush = Request.encode({ flush: {} } as Request).finish();
    expect(decodeRequest(flush)).toMatchObject({ kind: "flush", req: { flush: {} } });
    const out = answerFrame(flush, handler) as Uint8Array;
    expect(Buffer.from(out).toString("hex")).toBe(
      Buffer.from(frame(encodeAbciResponse({ flush: {} } as Response))).toString("hex"),
    );
    // A flush holding an unknown field, or with a trailing byte: the general decoder's verdict, not the constant's.
    for (const hex of ["12020801", "120000"]) {
      const bytes = Buffer.from(hex, "hex");
      let expected: unknown;
      try {
        expected = Request.decode(bytes);
      } catch {
        expected = "error";
      }
      const d = decodeRequest(bytes);
      if ("error" in d) expect(expected).toBe("error");
      else expect(d.req).toEqual(expected);
    }
  });

  it("frames a response as frame(encodeAbciResponse(r))", () => {
    const responses: Response[] = [
      {
        checkTx: {
          code: 0,
          data: new Uint8Array(0),
          log: "",
          info: "",
          gasWanted: 5n,
          gasUsed: 3n,
          events: [],
          codespace: "",
        },
      },
      {
        checkTx: {
          code: 4,
          data: new Uint8Array(0),
          log: "x".repeat(300),
          info: "",
          gasWanted: 0n,
          gasUsed: 0n,
          events: [],
          codespace: "sdk",
        },
      },
      { echo: { message: "hi" } },
    ];
    for (const r of responses)
      expect(Buffer.from(encodeAbciResponseFrame(r)).toString("hex")).toBe(
        Buffer.from(frame(encodeAbciResponse(r))).toString("hex"),
      );
  });
});

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
    const reqs = Array.from({ length: 50 }, (_, i) =>
      frame(
        Request.encode(
          i % 3 === 0
            ? { flush: {} }
            : i % 3 === 1
              ? { echo: { message: `m${i}` } }
              : { query: { path: `/p${i}`, data: new Uint8Array(0), height: 0n, prove: false } },
        ).finish(),
      ),
    );
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
    const res = await exchange(
      [
        frame(Uint8Array.of(0xff, 0xff, 0xff)),
        frame(Request.encode({ echo: { message: "still here" } }).finish()),
      ],
      2,
    );
    expect(res[0]!.exception?.error).toBeTruthy();
    expect(res[1]!.echo?.message).toBe("still here");
  });

  it("serves a consensus connection's request before the CheckTx queued on the mempool connection, each connection in its own order", async () => {
    const order: string[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const slow: AbciHandler = async (req) => {
      if (req.checkTx) {
        order.push(`check${req.checkTx.tx[0]}`);
        if (req.checkTx.tx[0] === 0) await gate;
        return {
          checkTx: {
            code: 0,
            data: new Uint8Array(0),
            log: "",
            info: "",
            gasWanted: 0n,
            gasUsed: 0n,
            events: [],
            codespace: "",
          },
        };
      }
      order.push("commit");
      return { commit: { retainHeight: 0n } };
    };
    const s2 = new AbciServer(slow, { address: "tcp://127.0.0.1:0" });
    await s2.listen();
    const connect = () =>
      new Promise<net.Socket>((r) => {
        const c = net.connect(s2.port, "127.0.0.1", () => r(c));
      });
    const [mempool, consensus] = [await connect(), await connect()];
    const replies = (sock: net.Socket, n: number) =>
      new Promise<Response[]>((resolve) => {
        const reader = new FrameReader();
        const got: Response[] = [];
        sock.on("data", (d) => {
          for (const f of reader.push(new Uint8Array(d))) got.push(Response.decode(f));
          if (got.length >= n) resolve(got);
        });
      });
    const mempoolReplies = replies(mempool, 6);
    const consensusReplies = replies(consensus, 1);
    mempool.write(
      Buffer.concat(
        [0, 1, 2, 3, 4]
          .map((i) =>
            frame(Request.encode({ checkTx: { tx: Uint8Array.of(i), type: 0 } }).finish()),
          )
          .concat([frame(Request.encode({ flush: {} }).finish())]),
      ),
    );
    await new Promise((r) => setTimeout(r, 50));
    consensus.write(frame(Request.encode({ commit: {} }).finish()));
    await new Promise((r) => setTimeout(r, 50));
    release();
    const m = await mempoolReplies;
    expect((await consensusReplies)[0]!.commit).toBeDefined();
    // CheckTx 0 was running when Commit arrived; Commit went before the four still waiting.
    expect(order).toEqual(["check0", "commit", "check1", "check2", "check3", "check4"]);
    expect(m.slice(0, 5).every((r) => r.checkTx !== undefined)).toBe(true);
    expect(m[5]!.flush).toBeDefined();
    mempool.destroy();
    consensus.destroy();
    await s2.close();
  });
});
