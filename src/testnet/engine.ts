/**
 * The containers backend's one door to the container engine (podman's
 * Docker-compatible socket or Docker's), through the testcontainers
 * package: containers are started with its GenericContainer, and every
 * later operation (status, pause, partition, down: each in a new `r3mes`
 * process) goes through its runtime client's dockerode, found by name.
 * Nothing else in the backend imports testcontainers.
 *
 * testcontainers' reaper (Ryuk) is off: it removes a session's containers
 * when the process that started them exits, but a testnet outlives
 * `testnet up` (and its image cannot be pulled here); `testnet down`
 * removes them instead, by the testnet's label.
 */
import type { Readable } from "node:stream";
import { findEngine } from "./containers.ts";

export type ContainerState = "running" | "paused" | "exited" | "created" | "missing";

export interface ContainerSpec {
  readonly name: string;
  readonly image: string;
  readonly entrypoint: readonly string[];
  readonly command: readonly string[];
  /** Host folder → the same path inside (the testnet folder: homes, keyring, logs). */
  readonly bind: string;
  readonly network: string;
  /** Container port → host port (published). */
  readonly ports: ReadonlyArray<{ readonly container: number; readonly host: number }>;
  readonly env?: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  /** A user other than the image's (uid:gid), where the bind mount is not the image user's. */
  readonly user?: string;
}

const testcontainers = async () => {
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";
  const engine = await findEngine();
  if (engine !== true) throw new Error(`no container engine answers: ${engine}`);
  return import("testcontainers");
};

const docker = async () =>
  (await (await testcontainers()).getContainerRuntimeClient()).container.dockerode;

/** Creates a network of that name (labelled), with DNS between its containers. */
export const createNetwork = async (
  name: string,
  labels: Record<string, string>,
): Promise<void> => {
  const d = await docker();
  await d.createNetwork({ Name: name, Driver: "bridge", CheckDuplicate: true, Labels: labels });
};

/** Readiness is the caller's (RPC heights): a container only has to be started. */
const started = {
  waitUntilReady: async () => {},
  withStartupTimeout() {
    return this;
  },
  isStartupTimeoutSet: () => false,
  getStartupTimeout: () => 0,
};

/**
 * Starts the containers one by one (each node waits until its peers' names resolve, so the
 * order does not matter; podman starting several at once on a small machine can take longer
 * than the 10 s testcontainers allows for a container's ports to show). Each
 * joins only the testnet's network (no alias: its DNS name there is its container name), so
 * disconnecting it from that network cuts it off from every peer.
 */
export const startContainers = async (specs: readonly ContainerSpec[]): Promise<void> => {
  const { GenericContainer } = await testcontainers();
  for (const c of specs) {
    let g = new GenericContainer(c.image)
      .withName(c.name)
      .withEntrypoint([...c.entrypoint])
      .withCommand([...c.command])
      .withBindMounts([{ source: c.bind, target: c.bind, mode: "rw" }])
      .withLabels({ ...c.labels })
      .withEnvironment({ ...c.env })
      .withExposedPorts(...c.ports.map((p) => ({ container: p.container, host: p.host })))
      .withAutoRemove(false)
      .withWaitStrategy(started)
      .withNetworkMode(c.network);
    if (c.user) g = g.withUser(c.user);
    await g.start();
  }
};

const byName = async (name: string) => (await docker()).getContainer(name);

export const containerState = async (name: string): Promise<ContainerState> => {
  try {
    const i = await (await byName(name)).inspect();
    return i.State.Paused
      ? "paused"
      : i.State.Running
        ? "running"
        : (i.State.Status as ContainerState);
  } catch {
    return "missing";
  }
};

export const pauseContainer = async (name: string) => (await byName(name)).pause();
export const unpauseContainer = async (name: string) => (await byName(name)).unpause();
export const killContainer = async (name: string) => (await byName(name)).kill();
export const startContainer = async (name: string) => (await byName(name)).start();
export const restartContainer = async (name: string) => (await byName(name)).restart({ t: 10 });

/** The container's IPv4 address on the network, or undefined when it is not on it. */
export const addressOn = async (network: string, name: string): Promise<string | undefined> => {
  const i = await (await byName(name)).inspect();
  return i.NetworkSettings.Networks[network]?.IPAddress || undefined;
};
export const disconnectNetwork = async (network: string, name: string): Promise<void> => {
  await (await docker()).getNetwork(network).disconnect({ Container: name, Force: true });
};
/** Connects the container again, at `ip` where given (its peers' CometBFT resolved its name to that address once, at start). */
export const connectNetwork = async (network: string, name: string, ip?: string): Promise<void> => {
  await (await docker()).getNetwork(network).connect({
    Container: name,
    ...(ip ? { EndpointConfig: { IPAMConfig: { IPv4Address: ip } } } : {}),
  });
};

/** Names of the containers carrying the label (any state). */
export const containersLabelled = async (label: string, value: string): Promise<string[]> => {
  const list = await (
    await docker()
  ).listContainers({
    all: true,
    filters: { label: [`${label}=${value}`] },
  });
  return list.map((c) => (c.Names[0] ?? c.Id).replace(/^\//, "")).sort();
};

export const networkExists = async (name: string): Promise<boolean> => {
  try {
    await (await docker()).getNetwork(name).inspect();
    return true;
  } catch {
    return false;
  }
};

export const removeContainer = async (name: string): Promise<void> => {
  await (await byName(name)).remove({ force: true, v: true });
};
export const removeNetwork = async (name: string): Promise<void> => {
  await (await docker()).getNetwork(name).remove();
};

/** The last lines of a container's output (for error messages). */
export const containerLogs = async (name: string, lines = 30): Promise<string> => {
  const out = (await (
    await byName(name)
  ).logs({ stdout: true, stderr: true, tail: lines })) as unknown as Buffer | Readable;
  return Buffer.isBuffer(out) ? out.toString("utf8") : "";
};
