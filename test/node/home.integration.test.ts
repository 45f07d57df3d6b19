/**
 * `r3mes node init` options the benchmark and the equivalence tests rely on:
 * extra genesis entries (miners registered at genesis) and CometBFT config
 * overrides; bad input is refused with a message that names the flag.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultInit, initHome, readToml } from "../../src/node/home.ts";
import { appConfigPath, minGasPriceOf } from "../../src/node/run.ts";
import { ZERO_GAS_PRICE } from "../../src/node/tx.ts";
import { defaultParams } from "../../src/protocol/params.ts";
import { actorKey } from "../../src/sim/keys.ts";
import { ensureCometbft } from "./harness.ts";

describe("r3mes node init", () => {
  const dirs: string[] = [];
  const fresh = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), "r3mes-home-"));
    dirs.push(d);
    return d;
  };
  beforeAll(() => void ensureCometbft(), 240_000);
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it("adds --genesis-extra accounts and roles after the dev account and applies --config overrides", async () => {
    const home = fresh();
    const miner = actorKey(1, "m").address;
    await initHome({
      ...defaultInit(home),
      genesisExtra: {
        accounts: [{ address: miner, balance: "5" }],
        roles: [
          { address: miner, role: "ROLE_MINER", stake: "1000000000", gpuArch: "GPU_ARCH_AMPERE" },
        ],
      },
      config: { "mempool.size": "50000", "rpc.max_body_bytes": "10000000" },
      params: { windowBlocks: 10 },
    });
    const doc = JSON.parse(fs.readFileSync(path.join(home, "config/genesis.json"), "utf8")) as {
      app_state: {
        params: Record<string, unknown>;
        accounts: { address: string }[];
        roles: { address: string; role: string }[];
      };
    };
    // --params overrides the named field and keeps every other default.
    expect(doc.app_state.params.windowBlocks).toBe(10);
    expect(doc.app_state.params.totalShards).toBe(defaultParams().totalShards);
    expect(doc.app_state.accounts.map((a) => a.address).slice(1)).toEqual([miner]);
    expect(doc.app_state.roles.map((r) => r.role)).toEqual(["ROLE_VALIDATOR", "ROLE_MINER"]);
    const toml = fs.readFileSync(path.join(home, "config/config.toml"), "utf8");
    expect(readToml(toml, "mempool", "size")).toBe("50000");
    expect(readToml(toml, "rpc", "max_body_bytes")).toBe("10000000");
    // Defaults: 2 MiB blocks, and a minimum gas price the app reads from app.toml.
    expect(
      (
        JSON.parse(fs.readFileSync(path.join(home, "config/genesis.json"), "utf8")) as {
          consensus_params: { block: { max_bytes: string } };
        }
      ).consensus_params.block.max_bytes,
    ).toBe(String(2 * 1024 * 1024));
    expect(minGasPriceOf(home)).toEqual({ num: 1n, den: 100n, text: "0.01uremes" });
  });

  it("--block-max-bytes below 1 MiB writes a genesis CometBFT accepts: evidence.max_bytes at most block.max_bytes", async () => {
    for (const maxBytes of [64 * 1024, 512 * 1024, 2 * 1024 * 1024]) {
      const home = fresh();
      await initHome({ ...defaultInit(home), blockMaxBytes: maxBytes });
      const consensus = (
        JSON.parse(fs.readFileSync(path.join(home, "config/genesis.json"), "utf8")) as {
          consensus_params: { block: { max_bytes: string }; evidence: { max_bytes: string } };
        }
      ).consensus_params;
      expect(consensus.block.max_bytes).toBe(String(maxBytes));
      expect(Number(consensus.evidence.max_bytes)).toBeGreaterThan(0);
      expect(Number(consensus.evidence.max_bytes)).toBeLessThanOrEqual(maxBytes);
    }
  });

  it("writes --min-gas-price to app.toml; a home without one (CometBFT's own init) takes free txs; a bad price is refused", async () => {
    const home = fresh();
    await initHome({ ...defaultInit(home), minGasPrice: "0.25" });
    expect(minGasPriceOf(home).text).toBe("0.25uremes");
    fs.rmSync(appConfigPath(home));
    expect(minGasPriceOf(home)).toEqual(ZERO_GAS_PRICE);
    await expect(initHome({ ...defaultInit(fresh()), minGasPrice: "1e-3" })).rejects.toThrow(
      /--min-gas-price: gas price "1e-3"/,
    );
  });

  it("refuses a --genesis-extra with a bad address or an unknown field, unknown or invalid --params, and a --config key CometBFT does not have", async () => {
    await expect(
      initHome({
        ...defaultInit(fresh()),
        genesisExtra: { accounts: [{ address: "cosmos1xyz", balance: "1" }] },
      }),
    ).rejects.toThrow(/--genesis-extra: "cosmos1xyz" is not a remes1… address/);
    await expect(
      initHome({ ...defaultInit(fresh()), genesisExtra: { acounts: [] } }),
    ).rejects.toThrow(/--genesis-extra: not a protobuf-JSON remes GenesisState/);
    await expect(
      initHome({ ...defaultInit(fresh()), params: { windowBlock: 10 } }),
    ).rejects.toThrow(/--params: .*windowBlock/);
    await expect(
      initHome({ ...defaultInit(fresh()), params: { windowBlocks: 1 } }),
    ).rejects.toThrow(/--params: window_blocks must be at least 2/);
    const home = fresh();
    await expect(
      initHome({ ...defaultInit(home), config: { "mempool.sise": "1" } }),
    ).rejects.toThrow(/config.toml has no sise in \[mempool\]/);
    // Nothing half-made is left: the same home initialises once the mistake is fixed.
    await initHome({ ...defaultInit(home), config: { "mempool.size": "1" } });
  });
});
