/**
 * replay.ts rebuilds CometBFT's FinalizeBlock request from an RPC block. The
 * RPC leaves an absent vote's validator address empty; the request must
 * name that validator (from the previous height's validator set, in commit
 * order), or the replay's liveness accounting — and so its app hash — would
 * differ from the chain's.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { bytesToHex } from "@noble/hashes/utils.js";
import { BlockIDFlag } from "cosmjs-types/tendermint/types/validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  fetchFinalizeRequest,
  finalizeRequestOf,
  hasUnnamedVotes,
  type RpcBlock,
  validatorAddressesAt,
} from "../../src/node/replay.ts";

const A = "AA".repeat(20);
const B = "BB".repeat(20);
const C = "CC".repeat(20);

const blockWith = (
  height: number,
  signatures: RpcBlock["block"]["last_commit"]["signatures"],
): RpcBlock => ({
  block_id: { hash: "11".repeat(32) },
  block: {
    header: {
      height: String(height),
      time: "2025-01-02T03:04:05.123456789Z",
      proposer_address: A,
      app_hash: "22".repeat(32),
    },
    data: { txs: [Buffer.from("tx").toString("base64")] },
    last_commit: { signatures },
  },
});

const committed = { block_id_flag: BlockIDFlag.BLOCK_ID_FLAG_COMMIT };
const absent = { block_id_flag: BlockIDFlag.BLOCK_ID_FLAG_ABSENT, validator_address: "" };

describe("finalizeRequestOf", () => {
  it("fills an absent vote's validator from the previous validator set, by position", () => {
    const b = blockWith(7, [
      { ...committed, validator_address: A },
      absent,
      { ...committed, validator_address: C },
    ]);
    expect(hasUnnamedVotes(b)).toBe(true);
    const req = finalizeRequestOf(b, [A, B, C]);
    expect(
      req.decidedLastCommit!.votes.map((v) => bytesToHex(v.validator!.address).toUpperCase()),
    ).toEqual([A, B, C]);
    expect(req.decidedLastCommit!.votes.map((v) => v.blockIdFlag)).toEqual([
      BlockIDFlag.BLOCK_ID_FLAG_COMMIT,
      BlockIDFlag.BLOCK_ID_FLAG_ABSENT,
      BlockIDFlag.BLOCK_ID_FLAG_COMMIT,
    ]);
    expect(req.height).toBe(7n);
    expect(req.time).toEqual({
      seconds: BigInt(Date.parse("2025-01-02T03:04:05Z") / 1000),
      nanos: 123_456_789,
    });
    expect(req.txs.map((t) => Buffer.from(t).toString())).toEqual(["tx"]);
  });

  it("keeps the addresses the commit names, needing no validator set", () => {
    const b = blockWith(3, [
      { ...committed, validator_address: A },
      { ...committed, validator_address: B },
    ]);
    expect(hasUnnamedVotes(b)).toBe(false);
    expect(
      finalizeRequestOf(b).decidedLastCommit!.votes.map((v) =>
        bytesToHex(v.validator!.address).toUpperCase(),
      ),
    ).toEqual([A, B]);
  });

  it("refuses to guess an absent vote's validator without the previous set", () => {
    const b = blockWith(9, [{ ...committed, validator_address: A }, absent]);
    expect(() => finalizeRequestOf(b)).toThrow(
      /block 9: vote 1 of the last commit names no validator.*height 8/,
    );
    expect(() => finalizeRequestOf(b, [A])).toThrow(/vote 1/);
  });
});

describe("fetchFinalizeRequest against an RPC server", () => {
  // 150 validators at height 4 (two pages of 100); block 5's commit has one absent vote.
  const set = Array.from({ length: 150 }, (_, i) => i.toString(16).padStart(40, "0").toUpperCase());
  const requests: string[] = [];
  let server: http.Server;
  let rpc = "";
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const url = new URL(req.url!, "http://x");
      requests.push(`${url.pathname}?${url.searchParams.toString()}`);
      let result: unknown;
      if (url.pathname === "/block") {
        const h = Number(url.searchParams.get("height"));
        result = blockWith(
          h,
          set.map((a, i) =>
            h === 5 && i === 120 ? absent : { ...committed, validator_address: a },
          ),
        );
      } else if (url.pathname === "/validators") {
        const page = Number(url.searchParams.get("page"));
        const per = Number(url.searchParams.get("per_page"));
        result = {
          block_height: url.searchParams.get("height"),
          validators: set.slice((page - 1) * per, page * per).map((address) => ({ address })),
          count: "0",
          total: String(set.length),
        };
      }
      res.end(
        JSON.stringify(
          result
            ? { jsonrpc: "2.0", id: -1, result }
            : { jsonrpc: "2.0", id: -1, error: { message: "not found" } },
        ),
      );
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    rpc = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("reads every page of a validator set", async () => {
    expect(await validatorAddressesAt(rpc, 4)).toEqual(set);
  });

  it("fetches the previous validator set only for a block with an absent vote, and names that validator", async () => {
    requests.length = 0;
    const full = await fetchFinalizeRequest(rpc, 6);
    expect(requests).toEqual(["/block?height=6"]);
    expect(full.request.decidedLastCommit!.votes).toHaveLength(150);
    requests.length = 0;
    const { request } = await fetchFinalizeRequest(rpc, 5);
    expect(requests.filter((r) => r.startsWith("/validators"))).toEqual([
      "/validators?height=4&page=1&per_page=100",
      "/validators?height=4&page=2&per_page=100",
    ]);
    const vote = request.decidedLastCommit!.votes[120]!;
    expect(bytesToHex(vote.validator!.address).toUpperCase()).toBe(set[120]);
    expect(vote.blockIdFlag).toBe(BlockIDFlag.BLOCK_ID_FLAG_ABSENT);
  });
});
