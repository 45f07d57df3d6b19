/**
 * The info connection: Info (where the app stands, so CometBFT knows which
 * blocks to replay after a restart) and Query (query.ts answers it from the
 * committed state).
 */
import type { RequestQuery, ResponseInfo, ResponseQuery } from "cosmjs-types/tendermint/abci/types";
import type { Committed } from "./committed.ts";
import { answerQuery } from "./query.ts";

export const APP_VERSION = 1n;

export class Info {
  constructor(private readonly node: Committed) {}

  /**
   * The last committed height and app hash, never a finalized block's that
   * awaits its Commit: Info also answers RPC clients (CometBFT's
   * /abci_info), at any moment. A restarted CometBFT that finds the app one
   * block behind replays that block; its FinalizeBlock drops the pending one
   * (consensus.ts).
   */
  info(): ResponseInfo {
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
