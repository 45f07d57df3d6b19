/** Builds the browser app and serves the explorer (`r3mes explorer`, `r3mes node start --explorer`). */
import { rpcUrlOf } from "../node/rest-rpc.ts";
import { buildAssets } from "./assets.ts";
import { type ExplorerServer, serveExplorer } from "./server.ts";

export interface StartExplorer {
  /** CometBFT RPC: http://HOST:PORT or tcp://HOST:PORT. */
  readonly rpc: string;
  /** The node's REST gateway URL; without it the gateway's handler runs in this process. */
  readonly rest?: string;
  /** PORT (loopback) or HOST:PORT. */
  readonly listen: string;
}

const url = (flag: string, s: string): string => {
  const u = rpcUrlOf(s.replace(/\/+$/, ""));
  if (u instanceof Error)
    throw new Error(`${flag} ${s}: expected http://HOST:PORT or tcp://HOST:PORT`);
  return u;
};

export const startExplorer = async (o: StartExplorer): Promise<ExplorerServer> => {
  const assets = await buildAssets();
  return serveExplorer({
    rpc: url("--rpc", o.rpc),
    ...(o.rest !== undefined ? { rest: url("--rest", o.rest) } : {}),
    listen: o.listen,
    assets,
  });
};
