/**
 * The project's image as the tests and the containers backend use it: its
 * tag, whether the local engine has it built from this checkout's commit,
 * and building it (scripts/image.sh, ~1.5 min plus the base's debootstrap
 * the first time) when not.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as path from "node:path";
import { projectRoot } from "../node/tools.ts";

export const IMAGE = process.env.R3MES_IMAGE ?? "localhost/r3mes:latest";

/** This checkout's commit and whether it has uncommitted changes (undefined outside git). */
export const checkoutRevision = (): { commit: string; dirty: boolean } | undefined => {
  try {
    const commit = execFileSync("git", ["rev-parse", "HEAD"], {
      cwd: projectRoot,
      encoding: "utf8",
    }).trim();
    const dirty =
      execFileSync("git", ["status", "--porcelain"], {
        cwd: projectRoot,
        encoding: "utf8",
      }).trim() !== "";
    return { commit, dirty };
  } catch {
    return undefined;
  }
};

/** The revision label of IMAGE in podman's store, or undefined when it is not built. */
export const builtRevision = (image = IMAGE): { commit: string; dirty: boolean } | undefined => {
  const r = spawnSync(
    "podman",
    [
      "image",
      "inspect",
      image,
      "--format",
      '{{index .Labels "org.opencontainers.image.revision"}} {{index .Labels "r3mes.dirty"}}',
    ],
    { encoding: "utf8" },
  );
  if (r.status !== 0) return undefined;
  const [commit, dirty] = r.stdout.trim().split(" ");
  return { commit: commit ?? "", dirty: dirty === "true" };
};

/**
 * Whether the image must be (re)built: missing, or built from another
 * commit, or from uncommitted changes (which may differ from the tree now).
 */
export const imageIsStale = (
  built: { commit: string; dirty: boolean } | undefined,
  checkout: { commit: string; dirty: boolean } | undefined,
): boolean =>
  built === undefined ||
  checkout === undefined ||
  built.dirty ||
  checkout.dirty ||
  built.commit !== checkout.commit;

/**
 * Builds IMAGE with scripts/image.sh unless it is current; `say` gets the script's lines.
 * R3MES_IMAGE_REUSE=1 takes any built IMAGE as it is (iterating on code that runs outside it).
 */
export const ensureImage = (say: (line: string) => void, o: { force?: boolean } = {}): void => {
  const built = builtRevision();
  if (!o.force && built !== undefined && process.env.R3MES_IMAGE_REUSE === "1") return;
  if (!o.force && !imageIsStale(built, checkoutRevision())) return;
  say(`image: building ${IMAGE} (scripts/image.sh)`);
  const r = spawnSync("bash", [path.join(projectRoot, "scripts/image.sh")], {
    cwd: projectRoot,
    env: { ...process.env, R3MES_IMAGE: IMAGE },
    encoding: "utf8",
  });
  for (const l of `${r.stdout}${r.stderr}`.split("\n")) if (l.trim()) say(l);
  if (r.status !== 0)
    throw new Error(`building the image failed (exit ${r.status}); see the lines above`);
};
