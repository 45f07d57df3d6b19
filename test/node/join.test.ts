/** `node init --genesis --peers --state-sync` without a network: the trust point and the checks before anything is written. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { joinHome, normalizeRpc, parsePeers, trustPoint } from "../../src/node/join.ts";

const ID = "a".repeat(40);

/** A fake set of CometBFT RPCs: each with its chain id, tip, and block hashes by height. */
const fakeRpcs =
  (nodes: Record<string, { chain?: string; latest: number; hash?: (h: number) => string }>) =>
  async (url: string): Promise<Response> => {
    const u = new URL(url);
    const node = nodes[u.origin];
    if (!node) throw new TypeError("fetch failed");
    const json = (result: unknown) =>
      new Response(JSON.stringify({ jsonrpc: "2.0", id: -1, result }));
    if (u.pathname === "/status")
      return json({
        node_info: { network: node.chain ?? "net-1" },
        sync_info: { latest_block_height: String(node.latest) },
      });
    const h = Number(u.searchParams.get("height"));
    if (h > node.latest)
      return new Response(JSON.stringify({ error: { message: "height too high" } }));
    return json({ block_id: { hash: (node.hash ?? blockHash)(h) } });
  };
const blockHash = (h: number) => h.toString(16).toUpperCase().padStart(64, "0");
const A = "http://10.0.0.1:26657";
const B = "http://10.0.0.2:26657";

describe("the trust point", () => {
  it("is the latest multiple of the snapshot interval at least 2 below the lowest tip, with the block hash both RPCs give", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 500 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 5 }),
        async (interval, above, lag) => {
          const latest = interval + 2 + above;
          const t = await trustPoint(
            "net-1",
            { rpcs: [A, B], snapshotInterval: interval },
            fakeRpcs({ [A]: { latest: latest + lag }, [B]: { latest } }),
          );
          expect(t.latest).toBe(latest);
          expect(t.height % interval).toBe(0);
          expect(t.height).toBeLessThanOrEqual(latest - 2);
          expect(t.height).toBeGreaterThan(latest - 2 - interval);
          expect(t.hash).toBe(blockHash(t.height));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("refuses RPCs that disagree on the hash or the chain, one that does not answer, a single RPC, and a network with no snapshot yet", async () => {
    const opts = { rpcs: [A, B], snapshotInterval: 10 };
    await expect(
      trustPoint(
        "net-1",
        opts,
        fakeRpcs({ [A]: { latest: 50 }, [B]: { latest: 50, hash: () => "F".repeat(64) } }),
      ),
    ).rejects.toThrow(/disagree on block 40/);
    await expect(
      trustPoint(
        "net-1",
        opts,
        fakeRpcs({ [A]: { latest: 50 }, [B]: { latest: 50, chain: "other" } }),
      ),
    ).rejects.toThrow(/serves chain other/);
    await expect(trustPoint("net-1", opts, fakeRpcs({ [A]: { latest: 50 } }))).rejects.toThrow(
      /10\.0\.0\.2:26657 is unreachable/,
    );
    await expect(
      trustPoint(
        "net-1",
        { rpcs: [A, `${A}/`], snapshotInterval: 10 },
        fakeRpcs({ [A]: { latest: 50 } }),
      ),
    ).rejects.toThrow(/at least two different RPCs/);
    await expect(
      trustPoint("net-1", opts, fakeRpcs({ [A]: { latest: 11 }, [B]: { latest: 30 } })),
    ).rejects.toThrow(/height 11, below its first snapshot/);
  });

  it("takes RPC addresses with or without a scheme", () => {
    expect(normalizeRpc("10.0.0.1:26657")).toBe(A);
    expect(normalizeRpc("tcp://10.0.0.1:26657/")).toBe(A);
    expect(normalizeRpc("https://rpc.example.org")).toBe("https://rpc.example.org");
    expect(() => normalizeRpc("not an address")).toThrow(/expected an RPC address/);
  });
});

describe("peers", () => {
  it("are NODE_ID@HOST:PORT with a 40-hex-digit id", () => {
    expect(parsePeers(`${ID}@seed.example:26656, ${"b".repeat(40)}@10.0.0.2:26656`)).toEqual([
      `${ID}@seed.example:26656`,
      `${"b".repeat(40)}@10.0.0.2:26656`,
    ]);
    for (const bad of ["seed.example:26656", `${ID}@seed.example`, `abc@h:1`, `${ID}@h:70000`])
      expect(() => parsePeers(bad)).toThrow(/expected NODE_ID@HOST:PORT/);
  });
});

describe("joinHome's checks", () => {
  const base = (home: string, genesisFile: string) => ({
    home,
    genesisFile,
    peers: [`${ID}@127.0.0.1:26656`],
    rpcLaddr: "tcp://127.0.0.1:26657",
    p2pLaddr: "tcp://127.0.0.1:26656",
    proxyApp: "tcp://127.0.0.1:26658",
    blockTime: "1s",
  });

  it("refuses a file that is not a remes genesis, no peers, or an unreachable state-sync RPC, and writes nothing", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "r3mes-join-"));
    try {
      const home = path.join(dir, "home");
      const write = (name: string, text: string) => {
        fs.writeFileSync(path.join(dir, name), text);
        return path.join(dir, name);
      };
      const good = write("good.json", JSON.stringify({ chain_id: "net-1", app_state: {} }));
      await expect(joinHome(base(home, path.join(dir, "none.json")))).rejects.toThrow(
        /cannot read it/,
      );
      await expect(joinHome(base(home, write("x.json", "{")))).rejects.toThrow(/not JSON/);
      await expect(joinHome(base(home, write("y.json", "{}")))).rejects.toThrow(/no chain_id/);
      await expect(
        joinHome(
          base(
            home,
            write("z.json", JSON.stringify({ chain_id: "net-1", app_state: { nope: 1 } })),
          ),
        ),
      ).rejects.toThrow(/not a remes GenesisState/);
      await expect(joinHome({ ...base(home, good), peers: [] })).rejects.toThrow(
        /at least one node/,
      );
      await expect(
        joinHome(
          { ...base(home, good), stateSync: { rpcs: [A, B], snapshotInterval: 10 } },
          fakeRpcs({}),
        ),
      ).rejects.toThrow(/unreachable/);
      expect(fs.existsSync(home)).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
