/**
 * The info connection: Info (where the app stands, so CometBFT knows which
 * blocks to replay after a restart) and Query (query.ts answers it from the
 * committed state).
 */
import type { RequestQuery, ResponseInfo, ResponseQuery } from "cosmjs-types/tendermint/abci/types";
import type { Committed } from "./committed.ts";
import type { Consensus } from "./consensus.ts";
import { answerQuery } from "./query.ts";

export const APP_VERSION = 1n;

export class Info {
  constructor(
    private readonly node: Committed,
    private readonly consensus: Consensus,
  ) {}

  info(): ResponseInfo {
    // A block finalized but not committed is not the app's: CometBFT replays it.
    this.consensus.dropPending();
    const n = this.node;
    return {
      data: "r3mes",
      version: n.version,
      appVersion: APP_VERSION,
      lastBlockHeight: n.state ? BigInt(n.height) : 0n,
      lastBlockAppHash:
        n.state && n.store.lastHeight() !== undefined ? n.appHash : new Uint8Array(0),
    };
  }

  query(req: RequestQuery): ResponseQuery {
    return answerQuery(this.node, req);
  }
}
