/**
 * `r3mes sim job`: a distributed sweep as Kubernetes objects. An Indexed
 * Job runs one pod per shard (completions = parallelism = N); each pod runs
 * `r3mes sim run <scenario> --shard $(JOB_COMPLETION_INDEX) --of N` with the
 * scenario file from a ConfigMap, and writes its part to a shared volume
 * (a PersistentVolumeClaim that every pod can mount: ReadWriteMany). A
 * second Job, applied once the first completes, merges the parts into
 * results.duckdb, Parquet and the report on the same volume.
 *
 * The scenario is mounted at its own relative path under the pods' working
 * directory, so the runs record the same `source` as a run on one machine
 * and the merged tables equal that run's.
 */
import { posix } from "node:path";
// Types only (erased at run time): the object literals below are checked field by field against the Kubernetes API.
import type { IConfigMap } from "kubernetes-models/v1/ConfigMap";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IPersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import type { IVolume } from "kubernetes-models/v1/Volume";
import type { IVolumeMount } from "kubernetes-models/v1/VolumeMount";
import type { IJob } from "kubernetes-models/batch/v1/Job";

export interface JobOptions {
  /** The scenario file as given on the command line (relative paths are kept as they are). */
  readonly scenarioPath: string;
  readonly scenarioText: string;
  readonly scenarioName: string;
  readonly parallelism: number;
  readonly image: string;
  /** An existing claim to mount; undefined: the manifest declares one (`<name>-parts`). */
  readonly volumeClaim: string | undefined;
  /** Size of the claim the manifest declares. */
  readonly storage: string;
  /** Worker threads in each pod (and the pod's CPU request). */
  readonly threads: number;
  /** Flags passed on to every shard (they must match to merge): --seed, --seeds, --blocks, --no-event-log. */
  readonly runFlags: readonly string[];
  /** Job name (default r3mes-sweep-<scenario>). */
  readonly name?: string;
}

export const WORK_DIR = "/sweep";
export const PARTS_MOUNT = "/parts";

/** A DNS-1123 label from a scenario name (Job names feed pod hostnames: at most 63 characters with the index suffix). */
export const jobName = (scenario: string): string => {
  const slug =
    scenario
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, "-")
      .replace(/^-+|-+$/g, "") || "sweep";
  return `r3mes-sweep-${slug}`.slice(0, 50).replace(/-+$/, "");
};

/** Where the scenario is mounted in the pods, and as what path the runs name it. */
const scenarioMount = (
  path: string,
): { readonly dir: string; readonly file: string; readonly arg: string } => {
  const norm = posix.normalize(path.replaceAll("\\", "/"));
  // An absolute path or one that climbs out of the working directory is mounted by its file name alone.
  const rel =
    norm.startsWith("/") || norm.startsWith("../") || norm === ".." ? posix.basename(norm) : norm;
  const dir = posix.dirname(rel);
  return {
    dir: dir === "." ? WORK_DIR : posix.join(WORK_DIR, dir),
    file: posix.basename(rel),
    arg: rel,
  };
};

export interface JobManifests {
  readonly name: string;
  /** ConfigMap, PersistentVolumeClaim (unless an existing claim is named), the Indexed Job. */
  readonly sweep: readonly (IConfigMap | IPersistentVolumeClaim | IJob)[];
  /** The merge Job, applied after the sweep Job completes. */
  readonly merge: readonly IJob[];
  /** The scenario path as the pods name it (differs from the local one when that was absolute). */
  readonly source: string;
  readonly claim: string;
}

export const jobManifests = (o: JobOptions): JobManifests => {
  const name = o.name ?? jobName(o.scenarioName);
  const claim = o.volumeClaim ?? `${name}-parts`;
  const mount = scenarioMount(o.scenarioPath);
  if (!/^[-._a-zA-Z0-9]+$/.test(mount.file))
    throw new Error(
      `scenario file name ${JSON.stringify(mount.file)} cannot be a ConfigMap key (letters, digits, '-', '_', '.'): rename the file`,
    );
  if (!Number.isSafeInteger(o.parallelism) || o.parallelism < 1)
    throw new Error(`parallelism ${o.parallelism}: must be a positive integer`);
  const labels = {
    "app.kubernetes.io/name": "r3mes",
    "app.kubernetes.io/component": "sweep",
    "r3mes/sweep": name,
  };
  const partsRoot = posix.join(PARTS_MOUNT, name);
  const volumes: IVolume[] = [
    {
      name: "scenario",
      configMap: { name: `${name}-scenario`, items: [{ key: mount.file, path: mount.file }] },
    },
    { name: "parts", persistentVolumeClaim: { claimName: claim } },
  ];
  const volumeMounts: IVolumeMount[] = [
    { name: "scenario", mountPath: mount.dir, readOnly: true },
    { name: "parts", mountPath: PARTS_MOUNT },
  ];
  const securityContext = {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
  };
  const container = (args: readonly string[], cpu: number): IContainer => ({
    name: "r3mes",
    image: o.image,
    imagePullPolicy: "IfNotPresent",
    workingDir: WORK_DIR,
    command: ["r3mes"],
    args: [...args],
    volumeMounts,
    resources: { requests: { cpu: String(cpu), memory: "1Gi" } },
    securityContext,
  });
  const configMap: IConfigMap = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: `${name}-scenario`, labels },
    data: { [mount.file]: o.scenarioText },
  };
  const pvc: IPersistentVolumeClaim = {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: claim, labels },
    spec: { accessModes: ["ReadWriteMany"], resources: { requests: { storage: o.storage } } },
  };
  const sweepJob: IJob = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, labels },
    spec: {
      completionMode: "Indexed",
      completions: o.parallelism,
      parallelism: o.parallelism,
      // Each index is retried on its own; a shard that keeps failing fails the Job without stopping the others.
      backoffLimitPerIndex: 2,
      ttlSecondsAfterFinished: 86_400,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: "Never",
          securityContext: { runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000 },
          containers: [
            {
              ...container(
                [
                  "sim",
                  "run",
                  mount.arg,
                  "--shard",
                  "$(JOB_COMPLETION_INDEX)",
                  "--of",
                  String(o.parallelism),
                  "--out",
                  posix.join(partsRoot, "shards", "$(JOB_COMPLETION_INDEX)"),
                  "--threads",
                  String(o.threads),
                  ...o.runFlags,
                ],
                o.threads,
              ),
              // Set by the Job controller too; declared here so $(JOB_COMPLETION_INDEX) in args expands on every version.
              env: [
                {
                  name: "JOB_COMPLETION_INDEX",
                  valueFrom: {
                    fieldRef: {
                      fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']",
                    },
                  },
                },
              ],
            },
          ],
          volumes,
        },
      },
    },
  };
  const mergeJob: IJob = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: `${name}-merge`, labels },
    spec: {
      completions: 1,
      backoffLimit: 2,
      ttlSecondsAfterFinished: 86_400,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: "Never",
          securityContext: { runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000 },
          containers: [
            container(
              [
                "sim",
                "merge",
                posix.join(partsRoot, "shards"),
                "--out",
                posix.join(partsRoot, "results"),
              ],
              1,
            ),
          ],
          volumes,
        },
      },
    },
  };
  return {
    name,
    sweep: [configMap, ...(o.volumeClaim ? [] : [pvc]), sweepJob],
    merge: [mergeJob],
    source: mount.arg,
    claim,
  };
};
