/**
 * The ABCI socket server: accepts CometBFT's four connections (consensus,
 * mempool, query, snapshot) over TCP or a unix socket and serves every
 * request of every connection through ONE ordered queue, so the application
 * sees a single sequence of calls (a CheckTx never interleaves with a
 * FinalizeBlock/Commit pair) and each connection gets its responses strictly
 * in request order. What cannot be decoded or handled gets an exception
 * response; a corrupt length prefix closes the connection (the stream can
 * not be resynchronised).
 */
import * as fs from "node:fs";
import * as net from "node:net";
import { Request, Response, ResponseEcho, ResponseException, ResponseFlush } from "cosmjs-types/tendermint/abci/types";
import { frame, FrameError, FrameReader } from "./framing.ts";

export type RequestCase = Exclude<keyof Request, never>;

/** The application behind the server: one request in, one response out. */
export type AbciHandler = (req: Request, kind: RequestCase) => Response | Promise<Response>;

const requestCases: readonly RequestCase[] = [
  "echo", "flush", "info", "initChain", "query", "checkTx", "commit", "listSnapshots", "offerSnapshot",
  "loadSnapshotChunk", "applySnapshotChunk", "prepareProposal", "processProposal", "extendVote",
  "verifyVoteExtension", "finalizeBlock",
];

/** Responses held back (corked) at most, while more requests of the same connection wait. */
const MAX_CORKED = 256;

export const exception = (error: string): Response => ({ exception: ResponseException.fromPartial({ error }) });

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
 * Serialises work: tasks run one at a time in submission order, whichever
 * connection they came from.
 */
export class OrderedQueue {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(task: () => T | Promise<T>): Promise<T> {
    const next = this.tail.then(task);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/**
 * Decodes one request frame, runs the handler and encodes its response
 * (never throws: every failure becomes an exception response).
 */
export const serveFrame = async (bytes: Uint8Array, handler: AbciHandler): Promise<Uint8Array> => {
  let res: Response;
  try {
    const req = Request.decode(bytes);
    const kind = caseOf(req);
    if (kind === undefined) res = exception("the request holds no method, or more than one");
    else if (kind === "echo") res = { echo: ResponseEcho.fromPartial({ message: req.echo!.message }) };
    else if (kind === "flush") res = { flush: ResponseFlush.fromPartial({}) };
    else res = await handler(req, kind);
  } catch (e) {
    res = exception(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  }
  try {
    return Response.encode(res).finish();
  } catch (e) {
    return Response.encode(exception(`could not encode the response: ${String(e)}`)).finish();
  }
};

export interface ServerOptions {
  /** `tcp://HOST:PORT` or `unix:///path/to.sock` (CometBFT's proxy_app syntax). */
  readonly address: string;
  readonly log?: (line: string) => void;
}

export const parseAddress = (address: string): { path: string } | { host: string; port: number } => {
  if (address.startsWith("unix://")) return { path: address.slice("unix://".length) };
  const m = /^(?:tcp:\/\/)?([^:]+|\[[^\]]+\]):(\d+)$/.exec(address);
  if (!m) throw new Error(`cannot parse ABCI address "${address}"; use tcp://127.0.0.1:26658 or unix:///path/app.sock`);
  return { host: m[1]!.replace(/^\[|\]$/g, ""), port: Number(m[2]) };
};

export class AbciServer {
  private readonly server: net.Server;
  private readonly queue = new OrderedQueue();
  private readonly sockets = new Set<net.Socket>();

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
    const reader = new FrameReader();
    let queued = 0;
    let corked = 0;
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
        // Copy: the chunk's buffer may be reused once this callback returns.
        const bytes = f.slice();
        queued++;
        void this.queue.run(async () => {
          const out = await serveFrame(bytes, this.handler);
          queued--;
          if (socket.destroyed) return;
          // Responses to a burst of requests (CometBFT pipelines CheckTx) go out in one write, not one syscall each.
          if (!socket.writableCorked) socket.cork();
          socket.write(frame(out));
          if (queued === 0 || ++corked >= MAX_CORKED) {
            corked = 0;
            socket.uncork();
          }
        });
      }
    });
    socket.on("error", (e) => this.options.log?.(`abci: connection error: ${e.message}`));
    socket.on("close", () => this.sockets.delete(socket));
  }
}
