/**
 * Which installed packages the image needs: the closure of the root
 * package's `dependencies` (plus a few named extras, e.g. tsx, which the CLI
 * loads at run time though it is a devDependency) over a v2/v3
 * package-lock.json, resolved the way Node does (a nested node_modules
 * first, then each folder above). Optional packages that were not
 * installed (other platforms' binaries) are left out; installed peer
 * dependencies are kept (a package's barrel module may import them).
 */

/**
 * Installed peers that Node never loads: react-native-webrtc (a libp2p
 * transport for React Native apps) names react-native, which brings
 * ~130 MB of React Native and its JavaScript engine.
 */
export const NEVER_LOADED_PEERS: readonly string[] = ["react-native"];

export interface LockPackage {
  readonly version?: string;
  readonly dev?: boolean;
  readonly optional?: boolean;
  readonly link?: boolean;
  readonly resolved?: string;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
}

export interface Lockfile {
  readonly lockfileVersion: number;
  readonly packages: Readonly<Record<string, LockPackage>>;
}

/** The lock key `name` resolves to from the package at `from` ("" is the root), or undefined. */
export const resolveIn = (lock: Lockfile, from: string, name: string): string | undefined => {
  let dir = from;
  for (;;) {
    const key = `${dir === "" ? "" : `${dir}/`}node_modules/${name}`;
    if (lock.packages[key] !== undefined) return key;
    if (dir === "") return undefined;
    const cut = dir.lastIndexOf("/node_modules/");
    dir = cut < 0 ? "" : dir.slice(0, cut);
  }
};

/**
 * Lock keys (e.g. "node_modules/a", "node_modules/a/node_modules/b") of every
 * package reached from the root's dependencies and `extras`, sorted.
 * `installed(key)` says whether an optional package is on disk; a required
 * one that does not resolve is an error (the lockfile and the tree disagree).
 */
export const runtimeClosure = (
  lock: Lockfile,
  extras: readonly string[],
  installed: (key: string) => boolean,
): string[] => {
  if (lock.lockfileVersion < 2) throw new Error("package-lock.json v1 has no packages map");
  const root = lock.packages[""] ?? {};
  const seen = new Set<string>();
  const visit = (from: string, name: string, optional: boolean) => {
    const key = resolveIn(lock, from, name);
    if (key === undefined || !installed(key)) {
      if (optional) return;
      throw new Error(`${name} (needed by ${from || "the project"}) is not in package-lock.json`);
    }
    if (seen.has(key)) return;
    seen.add(key);
    const p = lock.packages[key]!;
    for (const d of Object.keys(p.dependencies ?? {})) visit(key, d, false);
    for (const d of Object.keys(p.optionalDependencies ?? {})) visit(key, d, true);
    // npm installs peers too, and barrel modules import them (@effect/platform-node's index loads redis).
    for (const d of Object.keys(p.peerDependencies ?? {}))
      if (!NEVER_LOADED_PEERS.includes(d)) visit(key, d, true);
  };
  for (const d of Object.keys(root.dependencies ?? {})) visit("", d, false);
  for (const d of Object.keys(root.optionalDependencies ?? {})) visit("", d, true);
  for (const d of extras) visit("", d, false);
  return [...seen].sort();
};
