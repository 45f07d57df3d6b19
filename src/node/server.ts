/**
 * The ABCI socket server: accepts CometBFT's four connections (consensus,
 * mempool, query, snapshot) over TCP or a unix socket and serves every
 * request of every connection one at a time (the application sees a single
 * sequence of calls, never two at once), and each connection gets its
 * responses strictly in request order. What cannot be decoded or handled
 * gets an exception response; a corrupt length prefix closes the connection
 * (the stream can not be resynchronised).
 *
 * Which request runs next: the oldest waiting request of a connection that
 * has never sent a CheckTx (consensus, query, snapshot), else the oldest
 * waiting request of a mempool connection. Under a flood of CheckTx,
 * CometBFT's PrepareProposal or FinalizeBlock so waits for at most the one
 * request in progress, not for hundreds of queued CheckTx (it used to wait
 * seconds, past the propose timeout, and rounds failed). Per connection the
 * order is unchanged (a connection's requests all wait in the same line),
 * and CometBFT itself orders what matters across connections: it flushes the
 * mempool connection before Commit and rechecks after it.
 */
import * as fs from "node:fs";
import * as net from "node:net";
import { BinaryReader } from "cosmjs-types/binary";
import {
  Request,
  Response,
  ResponseEcho,
  ResponseException,
  ResponseFlush,
} from "cosmjs-types/tendermint/abci/types";
import { varint32read } from "cosmjs-types/varint";
import { frame, FrameError, FrameReader } from "./framing.ts";
import { encodeAbciResponse, encodeAbciResponseFrame } from "./abci-encoding.ts";

export type RequestCase = Exclude<keyof Request, never>;

/** The application behind the server: one request in, one response out. */
export type AbciHandler = (req: Request, kind: RequestCase) => Response | Promise<Response>;

const requestCases: readonly RequestCase[] = [
  "echo",
  "flush",
  "info",
  "initChain",
  "query",
  "checkTx",
  "commit",
  "listSnapshots",
  "offerSnapshot",
  "loadSnapshotChunk",
  "applySnapshotChunk",
  "prepareProposal",
  "processProposal",
  "extendVote",
  "verifyVoteExtension",
  "finalizeBlock",
];

/** Longest stretch of serving before the socket reads of the event loop get a turn. */
const YIELD_MS = 4;

/** Responses held back (corked) at most, while more requests of the same connection wait. */
const MAX_CORKED = 256;

export const exception = (error: string): Response => ({
  exception: ResponseException.fromPartial({ error }),
});

const caseOf = (req: Request): RequestCase | undefined => {
  let found: RequestCase | undefined;
  for (const c of requestCases) {
    if (req[c] === undefined) continue;
    if (found !== undefined) return undefined;
    found = c;
  }
  return found;
};

/**
 * A CheckTx request as CometBFT writes it — Request.check_tx (field 8)
 * holding tx (field 1) and, for a RECHECK, type (field 2, one byte) — read
 * in place: what `Request.decode` gives for those bytes (`tx` a view of
 * them, as there), without its reader and its object of sixteen undefined
 * methods. Undefined for any other shape (`Request.decode` takes it).
 */
const checkTxRequest = (b: Uint8Array): Request | undefined => {
  if (b[0] !== 0x42) return undefined;
  let p = 1;
  const uvarint = (): number => {
    let v = 0;
    for (let scale = 1; p < b.length && scale < 2 ** 28; scale *= 128) {
      const x = b[p++]!;
      v += (x & 0x7f) * scale;
      if ((x & 0x80) === 0) return v;
    }
    return -1;
  };
  const inner = uvarint();
  if (inner < 0 || p + inner !== b.length || b[p] !== 0x0a) return undefined;
  p++;
  const n = uvarint();
  if (n < 0 || p + n > b.length) return undefined;
  const tx = b.subarray(p, p + n);
  p += n;
  let type = 0;
  if (p < b.length) {
    if (b[p] !== 0x10 || p + 2 !== b.length || b[p + 1]! > 0x7f) return undefined;
    type = b[p + 1]!;
  }
  return { checkTx: { tx, type } } as Request;
};

/**
 * A Flush request as CometBFT writes it (Request.flush, field 2, empty), and
 * its answer's frame. CometBFT's socket client sends one after nearly every
 * burst of requests (~1 per 6 CheckTx under a flood): no decoding, response
 * object or encoding for it (2.3 µs each before).
 */
const FLUSH: { req: Request; kind: RequestCase } = { req: { flush: {} } as Request, kind: "flush" };
const FLUSH_FRAME = Buffer.from(frame(Response.encode({ flush: {} } as Response).finish()));

/**
 * cosmjs-types' BinaryReader less two costs on a request's path: its
 * constructor copies the whole input (`new Uint8Array(buf)`: each block's
 * PrepareProposal, ProcessProposal and FinalizeBlock frame copied once more,
 * off V8's heap), and its `uint32` binds a function per call (every tag and
 * length: two per tx of each of those requests). The same reads and errors
 * (`varint32read` called, not bound); bytes fields are views of the frame,
 * as checkTxRequest's tx already is (a frame's bytes are never written after
 * it is read).
 */
class FrameBytesReader extends BinaryReader {
  constructor(buf: Uint8Array) {
    super();
    // Plain Uint8Array views, as the copy gave (a socket's frame is a Buffer, and so would be its views).
    this.buf = Buffer.isBuffer(buf) ? new Uint8Array(buf.buffer, buf.byteOffset, buf.length) : buf;
    this.len = buf.length;
  }

  override uint32(): number {
    return varint32read.call(this);
  }
}

/** A decoded request and its method, or the exception response for a frame that is not one. */
export const decodeRequest = (
  bytes: Uint8Array,
): { req: Request; kind: RequestCase } | { error: Response } => {
  if (bytes.length === 2 && bytes[0] === 0x12 && bytes[1] === 0x00) return FLUSH;
  const checkTx = checkTxRequest(bytes);
  if (checkTx !== undefined) return { req: checkTx, kind: "checkTx" };
  let req: Request;
  try {
    req = Request.decode(new FrameBytesReader(bytes));
  } catch (e) {
    return { error: exception(e instanceof Error ? `${e.name}: ${e.message}` : String(e)) };
  }
  const kind = caseOf(req);
  return kind === undefined
    ? { error: exception("the request holds no method, or more than one") }
    : { req, kind };
};

const failed = (e: unknown): Response =>
  exception(e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/** The handler's response to a decoded request (a promise only when the handler returns one; never rejects or throws). */
const respondTo = (
  req: Request,
  kind: RequestCase,
  handler: AbciHandler,
): Response | Promise<Response> => {
  try {
    if (kind === "echo") return { echo: ResponseEcho.fromPartial({ message: req.echo!.message }) };
    if (kind === "flush") return { flush: ResponseFlush.fromPartial({}) };
    const res = handler(req, kind);
    return res instanceof Promise ? res.catch(failed) : res;
  } catch (e) {
    return failed(e);
  }
};

/** Runs the handler on a decoded request and encodes its response (never throws: every failure becomes an exception response). */
export const serveRequest = async (
  req: Request,
  kind: RequestCase,
  handler: AbciHandler,
): Promise<Uint8Array> => encodeResponse(await respondTo(req, kind, handler));

const encodeResponse = (res: Response): Uint8Array => {
  try {
    return encodeAbciResponse(res);
  } catch (e) {
    return Response.encode(exception(`could not encode the response: ${String(e)}`)).finish();
  }
};

/** The response's frame (length prefix and bytes): `frame(encodeResponse(res))`, copied once. */
const encodeResponseFrame = (res: Response): Uint8Array => {
  try {
    return encodeAbciResponseFrame(res);
  } catch (e) {
    return frame(
      Response.encode(exception(`could not encode the response: ${String(e)}`)).finish(),
    );
  }
};

/**
 * What the server writes for one request frame it read: the request
 * decoded, the handler's response, and that response's frame (length
 * prefix and bytes), as `AbciServer` makes them (a promise only when the
 * handler returns one; never throws). bench/app.ts drives the app in
 * process through this.
 */
export const answerFrame = (
  bytes: Uint8Array,
  handler: AbciHandler,
): Uint8Array | Promise<Uint8Array> => answerDecoded(decodeRequest(bytes), handler);

const answerDecoded = (
  d: ReturnType<typeof decodeRequest>,
  handler: AbciHandler,
): Uint8Array | Promise<Uint8Array> => {
  if (d === FLUSH) return FLUSH_FRAME;
  const res = "error" in d ? d.error : respondTo(d.req, d.kind, handler);
  return res instanceof Promise ? res.then(encodeResponseFrame) : encodeResponseFrame(res);
};

/** Decodes one request frame, runs the handler and encodes its response (never throws). */
export const serveFrame = async (bytes: Uint8Array, handler: AbciHandler): Promise<Uint8Array> => {
  const d = decodeRequest(bytes);
  return "error" in d ? encodeResponse(d.error) : serveRequest(d.req, d.kind, handler);
};

/** One accepted connection: its requests waiting to run, and whether it is CometBFT's mempool connection. */
interface Conn {
  readonly socket: net.Socket;
  mempool: boolean;
  /** Requests received and not yet answered (responses are held back while more of this connection's wait). */
  waiting: number;
  corked: number;
}

interface Job {
  readonly conn: Conn;
  readonly decoded: ReturnType<typeof decodeRequest>;
}

/** FIFO of jobs with O(1) shift (an array's shift is O(n) under a flood). */
class JobQueue {
  private items: (Job | undefined)[] = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(j: Job): void {
    this.items.push(j);
  }
  shift(): Job | undefined {
    if (this.head >= this.items.length) return undefined;
    const j = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return j;
  }
}

export interface ServerOptions {
  /** `tcp://HOST:PORT` or `unix:///path/to.sock` (CometBFT's proxy_app syntax). */
  readonly address: string;
  readonly log?: (line: string) => void;
}

export const parseAddress = (
  address: string,
): { path: string } | { host: string; port: number } => {
  if (address.startsWith("unix://")) return { path: address.slice("unix://".length) };
  const m = /^(?:tcp:\/\/)?([^:]+|\[[^\]]+\]):(\d+)$/.exec(address);
  if (!m)
    throw new Error(
      `cannot parse ABCI address "${address}"; use tcp://127.0.0.1:26658 or unix:///path/app.sock`,
    );
  return { host: m[1]!.replace(/^\[|\]$/g, ""), port: Number(m[2]) };
};

export class AbciServer {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  /** Requests of connections that never sent a CheckTx (consensus, query, snapshot): they run first. */
  private readonly first = new JobQueue();
  /** Requests of mempool connections. */
  private readonly mempool = new JobQueue();
  private running = false;

  constructor(
    private readonly handler: AbciHandler,
    private readonly options: ServerOptions,
  ) {
    this.server = net.createServer((socket) => this.accept(socket));
  }

  listen(): Promise<void> {
    const addr = parseAddress(this.options.address);
    if ("path" in addr && fs.existsSync(addr.path)) fs.unlinkSync(addr.path);
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      const done = () => {
        this.server.off("error", reject);
        resolve();
      };
      if ("path" in addr) this.server.listen(addr.path, done);
      else this.server.listen(addr.port, addr.host, done);
    });
  }

  /** The bound TCP port (useful with port 0 in tests). */
  get port(): number {
    const a = this.server.address();
    return typeof a === "object" && a !== null ? a.port : 0;
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    const conn: Conn = { socket, mempool: false, waiting: 0, corked: 0 };
    const reader = new FrameReader();
    socket.on("data", (chunk: Buffer) => {
      let frames: Uint8Array[];
      try {
        frames = reader.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      } catch (e) {
        const why = e instanceof FrameError ? e.message : String(e);
        this.options.log?.(`abci: closing a connection: ${why}`);
        socket.end(frame(Response.encode(exception(why)).finish()));
        return;
      }
      for (const f of frames) {
        // Decoded requests keep views of the frame: neither the socket's chunks nor FrameReader's joins are reused.
        const decoded = decodeRequest(f);
        if (!("error" in decoded) && decoded.kind === "checkTx") conn.mempool = true;
        conn.waiting++;
        (conn.mempool ? this.mempool : this.first).push({ conn, decoded });
      }
      void this.run();
    });
    socket.on("error", (e) => this.options.log?.(`abci: connection error: ${e.message}`));
    socket.on("close", () => this.sockets.delete(socket));
  }

  /** Serves waiting requests one at a time until none is left. */
  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      let since = performance.now();
      for (
        let job = this.first.shift() ?? this.mempool.shift();
        job !== undefined;
        job = this.first.shift() ?? this.mempool.shift()
      ) {
        // A synchronous handler's response is written without a microtask hop per request.
        let out = answerDecoded(job.decoded, this.handler);
        if (out instanceof Promise) out = await out;
        this.respond(job.conn, out);
        // Handlers are mostly synchronous: let the event loop read the sockets now and then, so a consensus
        // request that arrives during a CheckTx flood is seen (and goes first) within a few milliseconds.
        if (performance.now() - since > YIELD_MS) {
          await new Promise((r) => setImmediate(r));
          since = performance.now();
        }
      }
    } finally {
      this.running = false;
    }
  }

  /** Writes a response frame. */
  private respond(conn: Conn, out: Uint8Array): void {
    conn.waiting--;
    const socket = conn.socket;
    if (socket.destroyed) return;
    // Responses to a burst of requests (CometBFT pipelines CheckTx) go out in one write, not one syscall each.
    if (!socket.writableCorked) socket.cork();
    socket.write(out);
    if (conn.waiting === 0 || ++conn.corked >= MAX_CORKED) {
      conn.corked = 0;
      socket.uncork();
    }
  }
}
