/**
 * The image's build context, without podman: which packages go in (the
 * lockfile closure), what is pruned, and the Containerfile's promises
 * (non-root user, `r3mes` entrypoint, commit label, the node's bundle
 * built at image build time).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Lockfile, resolveIn, runtimeClosure } from "../../src/image/closure.ts";
import { containerfile, IMAGE_USER } from "../../src/image/containerfile.ts";
import { isDevOnlyFile, pruneDevFiles, pruneForeignBinaries } from "../../src/image/prune.ts";

const lock: Lockfile = {
  lockfileVersion: 3,
  packages: {
    "": { dependencies: { a: "1", b: "1" }, optionalDependencies: { gone: "1" } },
    "node_modules/a": {
      dependencies: { c: "1" },
      peerDependencies: { p: "1", "react-native": "*" },
    },
    "node_modules/b": { dependencies: { c: "2" }, optionalDependencies: { "b-darwin": "1" } },
    "node_modules/b/node_modules/c": { version: "2" },
    "node_modules/b-darwin": { optional: true },
    "node_modules/c": { version: "1" },
    "node_modules/p": {},
    "node_modules/react-native": { dependencies: { huge: "1" } },
    "node_modules/huge": {},
    "node_modules/tsx": { dev: true, dependencies: { c: "1", "get-tsconfig": "1" } },
    "node_modules/get-tsconfig": { dev: true },
    "node_modules/vitest": { dev: true },
  },
};
const notDarwin = (k: string) => !k.endsWith("b-darwin");

describe("the image's node_modules", () => {
  it("resolves like Node: the nearest node_modules first", () => {
    expect(resolveIn(lock, "node_modules/b", "c")).toBe("node_modules/b/node_modules/c");
    expect(resolveIn(lock, "node_modules/a", "c")).toBe("node_modules/c");
    expect(resolveIn(lock, "node_modules/b/node_modules/c", "a")).toBe("node_modules/a");
    expect(resolveIn(lock, "", "nope")).toBeUndefined();
  });

  it("takes the runtime closure and the extras, leaving dev tools, missing optionals and React Native out", () => {
    expect(runtimeClosure(lock, ["tsx"], notDarwin)).toEqual([
      "node_modules/a",
      "node_modules/b",
      "node_modules/b/node_modules/c",
      "node_modules/c",
      "node_modules/get-tsconfig",
      "node_modules/p",
      "node_modules/tsx",
    ]);
    expect(runtimeClosure(lock, [], () => true)).toContain("node_modules/b-darwin");
  });

  it("refuses a required package the lockfile does not have", () => {
    expect(() => runtimeClosure(lock, ["nothere"], () => true)).toThrow(
      "nothere (needed by the project) is not in package-lock.json",
    );
  });

  it("the project's own lockfile: every dependency in, no test tool, tsx in", () => {
    const own = JSON.parse(
      fs.readFileSync(path.join(import.meta.dirname, "../../package-lock.json"), "utf8"),
    ) as Lockfile;
    const keys = runtimeClosure(own, ["tsx"], () => true);
    for (const d of Object.keys(own.packages[""]!.dependencies!))
      expect(keys).toContain(`node_modules/${d}`);
    expect(keys).toContain("node_modules/tsx");
    for (const dev of ["vitest", "prettier", "typescript", "fast-check", "react-native"])
      expect(keys).not.toContain(`node_modules/${dev}`);
  });

  it("prunes other platforms' binaries and dev-only files, keeping what runs", () => {
    const nm = fs.mkdtempSync(path.join(os.tmpdir(), "r3mes-prune-"));
    const put = (rel: string, bytes = 10) => {
      fs.mkdirSync(path.dirname(path.join(nm, rel)), { recursive: true });
      fs.writeFileSync(path.join(nm, rel), Buffer.alloc(bytes));
    };
    for (const p of ["linux/x64", "linux/arm64", "darwin/arm64", "win32/x64"])
      put(`onnxruntime-node/bin/napi-v6/${p}/onnx.node`);
    put("x/dist/index.js");
    put("x/dist/index.js.map");
    put("x/dist/index.d.ts");
    put("x/src/index.ts");
    put("x/README.md");
    put("x/package.json");
    pruneForeignBinaries(nm, "linux", "x64");
    pruneDevFiles(nm);
    const left = (fs.readdirSync(nm, { recursive: true }) as string[])
      .filter((f) => fs.statSync(path.join(nm, f)).isFile())
      .sort();
    expect(left).toEqual([
      "onnxruntime-node/bin/napi-v6/linux/x64/onnx.node",
      "x/dist/index.js",
      "x/package.json",
    ]);
    fs.rmSync(nm, { recursive: true, force: true });
  });

  it("never prunes a file Node loads", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z0-9_.-]{1,12}$/),
        fc.constantFrom(".js", ".mjs", ".cjs", ".json", ".node", ".wasm"),
        (stem, ext) => !isDevOnlyFile(`${stem}${ext}`),
      ),
    );
  });
});

describe("the Containerfile", () => {
  const text = containerfile({
    base: "localhost/r3mes-base:bookworm-abc",
    commit: "0123abcd",
    dirty: false,
    nodeVersion: "v24.21.0",
    cometbftVersion: "0.38.26",
    kuboVersion: "0.42.0",
  });
  const lines = text.split("\n");

  it("starts from the local base and labels the commit and tool versions", () => {
    expect(lines[0]).toBe("FROM localhost/r3mes-base:bookworm-abc");
    expect(text).toContain('LABEL org.opencontainers.image.revision="0123abcd"');
    expect(text).toContain('LABEL r3mes.cometbft="0.38.26"');
    expect(text).toContain('LABEL r3mes.node="v24.21.0"');
  });

  it("runs as the non-root user, with r3mes as the entrypoint", () => {
    const user = lines.filter((l) => l.startsWith("USER "));
    expect(user).toEqual([`USER ${IMAGE_USER.uid}:${IMAGE_USER.uid}`]);
    expect(IMAGE_USER.uid).toBeGreaterThan(0);
    // Root builds the app (one RUN); after USER only the user's tsx cache is warmed.
    const userAt = lines.findIndex((l) => l.startsWith("USER "));
    expect(lines.slice(userAt).filter((l) => l.startsWith("RUN "))).toEqual([
      "RUN r3mes --help >/dev/null",
    ]);
    expect(text).toContain('ENTRYPOINT ["r3mes"]');
  });

  it("builds the node's bundle into the image and checks it is fresh", () => {
    expect(text).toContain("node /opt/r3mes/bin/lean.js --build");
    expect(text).toContain("m.freshBundle()");
  });
});
