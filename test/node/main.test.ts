/**
 * The lean entry of `r3mes node start|app` takes exactly the flags of those
 * commands; anything else goes to the full CLI (help, errors).
 */
import { describe, expect, it } from "vitest";
import { parseLeanArgs } from "../../src/node/main.ts";

describe("node main (lean entry)", () => {
  it("parses node start and node app with --home and --snapshot-interval, in either flag syntax", () => {
    expect(parseLeanArgs(["node", "start", "--home", "/h"])).toEqual({
      withCometbft: true,
      home: "/h",
      snapshotInterval: 100,
    });
    expect(parseLeanArgs(["node", "app", "--home=/h", "--snapshot-interval", "5"])).toEqual({
      withCometbft: false,
      home: "/h",
      snapshotInterval: 5,
    });
    expect(parseLeanArgs(["node", "start", "--home", "/h", "--metrics", "26660"])).toEqual({
      withCometbft: true,
      home: "/h",
      snapshotInterval: 100,
      metrics: "26660",
    });
    expect(parseLeanArgs(["node", "start", "--home", "/h", "--rest", "1317"])).toEqual({
      withCometbft: true,
      home: "/h",
      snapshotInterval: 100,
      rest: "1317",
    });
    expect(
      parseLeanArgs([
        "node",
        "app",
        "--home",
        "/h",
        "--rest=0.0.0.0:1317",
        "--rpc",
        "tcp://127.0.0.1:26657",
      ]),
    ).toEqual({
      withCometbft: false,
      home: "/h",
      snapshotInterval: 100,
      rest: "0.0.0.0:1317",
      rpc: "tcp://127.0.0.1:26657",
    });
  });

  it("leaves help, unknown or malformed flags, a missing --home and other commands to the full CLI", () => {
    for (const argv of [
      ["node", "start", "--help"],
      ["node", "start", "--home", "/h", "-h"],
      ["node", "start"],
      ["node", "start", "--home"],
      ["node", "app", "--home", "/h", "--snapshot-interval", "0"],
      ["node", "app", "--home", "/h", "--snapshot-interval", "x"],
      ["node", "app", "--home", "/h", "--home", "/i"],
      ["node", "init", "--home", "/h"],
      ["sim"],
      [],
      ["node", "start", "--home", "/h", "--metrics", "not an address"],
      ["node", "start", "--home", "/h", "--rest", "not an address"],
      ["node", "app", "--home", "/h", "--rpc", "unix:///tmp/rpc.sock"],
      // node start knows its RPC (config.toml): --rpc is node app's.
      ["node", "start", "--home", "/h", "--rpc", "tcp://127.0.0.1:26657"],
    ])
      expect(parseLeanArgs(argv), argv.join(" ")).toBeUndefined();
  });
});
