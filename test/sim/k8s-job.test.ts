import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { Job } from "kubernetes-models/batch/v1";
import { ConfigMap, PersistentVolumeClaim } from "kubernetes-models/v1";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { writeJob } from "../../src/cli/sim-shard.ts";
import { jobManifests, jobName } from "../../src/sim/k8s-job.ts";
import { toYaml } from "../../src/sim/yaml.ts";

const SCENARIO = "test/sim/fixtures/small_sweep.json";

/** Every document of a YAML file, as plain objects (the `yaml` package is the independent reader here). */
const docs = (text: string): Record<string, unknown>[] =>
  parseAllDocuments(text).map((d) => {
    expect(d.errors).toEqual([]);
    return d.toJS() as Record<string, unknown>;
  });

/** Validates one object against the Kubernetes OpenAPI schema of its kind (kubernetes-models, offline); throws on a violation. */
const validate = (o: Record<string, unknown>): string => {
  const kind = String(o.kind);
  if (kind === "Job") new Job(o as never).validate();
  else if (kind === "ConfigMap") new ConfigMap(o as never).validate();
  else if (kind === "PersistentVolumeClaim") new PersistentVolumeClaim(o as never).validate();
  else throw new Error(`unexpected kind ${kind}`);
  return kind;
};

type Obj = Record<string, any>;

describe("sim job: the Kubernetes Indexed Job", () => {
  const out = mkdtempSync(join(tmpdir(), "r3mes-job-"));

  it("writes a ConfigMap, a claim and an Indexed Job (one pod per shard) that validate against the Kubernetes schemas, and a merge Job", async () => {
    const { job, merge } = await writeJob({
      scenario: SCENARIO,
      parallelism: 3,
      image: "r3mes:test",
      volumeClaim: undefined,
      storage: "5Gi",
      threads: 2,
      out,
      seed: undefined,
      seeds: undefined,
      blocks: 40,
      eventLog: true,
    });
    const sweep = docs(readFileSync(job, "utf8"));
    expect(sweep.map(validate)).toEqual(["ConfigMap", "PersistentVolumeClaim", "Job"]);
    const [cm, pvc, j] = sweep as [Obj, Obj, Obj];
    // The scenario travels byte for byte, so every shard hashes the same file.
    expect(cm.data["small_sweep.json"]).toBe(readFileSync(SCENARIO, "utf8"));
    expect(j.spec.completionMode).toBe("Indexed");
    expect(j.spec.completions).toBe(3);
    expect(j.spec.parallelism).toBe(3);
    const pod = j.spec.template.spec;
    expect(pod.restartPolicy).toBe("Never");
    const c = pod.containers[0];
    expect(c.image).toBe("r3mes:test");
    expect([...c.command, ...c.args]).toEqual([
      "r3mes",
      "sim",
      "run",
      SCENARIO,
      "--shard",
      "$(JOB_COMPLETION_INDEX)",
      "--of",
      "3",
      "--out",
      `/parts/${j.metadata.name}/shards/$(JOB_COMPLETION_INDEX)`,
      "--threads",
      "2",
      "--blocks",
      "40",
    ]);
    expect(c.env).toContainEqual({
      name: "JOB_COMPLETION_INDEX",
      valueFrom: {
        fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" },
      },
    });
    // The scenario is mounted where its relative path points from the working directory; the parts on the claim.
    const mountOf = (name: string) => c.volumeMounts.find((m: Obj) => m.name === name).mountPath;
    expect(`${mountOf("scenario")}/small_sweep.json`).toBe(`${c.workingDir}/${SCENARIO}`);
    expect(mountOf("parts")).toBe("/parts");
    expect(pod.volumes.find((v: Obj) => v.name === "parts").persistentVolumeClaim.claimName).toBe(
      pvc.metadata.name,
    );
    expect(pod.volumes.find((v: Obj) => v.name === "scenario").configMap.name).toBe(
      cm.metadata.name,
    );
    expect(pvc.spec.accessModes).toEqual(["ReadWriteMany"]);
    expect(pod.securityContext.runAsNonRoot).toBe(true);

    const [m] = docs(readFileSync(merge, "utf8")) as [Obj];
    expect(validate(m)).toBe("Job");
    expect(m.spec.template.spec.containers[0].args).toEqual([
      "sim",
      "merge",
      `/parts/${j.metadata.name}/shards`,
      "--out",
      `/parts/${j.metadata.name}/results`,
    ]);
    expect(m.spec.template.spec.volumes).toEqual(pod.volumes);
  });

  it("names an existing claim instead of declaring one; the validator rejects a broken Job", () => {
    const opts = {
      scenarioPath: "/abs/where/lazy_sweep.json",
      scenarioText: "{}\n",
      scenarioName: "Lazy_Sweep",
      parallelism: 100,
      image: "r3mes:1",
      volumeClaim: "sweeps",
      storage: "1Gi",
      threads: 1,
      runFlags: ["--seeds", "3", "--no-event-log"],
    };
    const m = jobManifests(opts);
    expect(m.sweep.map((d) => d.kind)).toEqual(["ConfigMap", "Job"]);
    expect(m.source).toBe("lazy_sweep.json");
    const job = docs(toYaml(m.sweep[1]))[0] as Obj;
    expect(validate(job)).toBe("Job");
    expect(job.metadata.name).toBe(jobName("Lazy_Sweep"));
    expect(job.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(job.spec.template.spec.volumes[1].persistentVolumeClaim.claimName).toBe("sweeps");
    expect(job.spec.template.spec.containers[0].args.slice(-3)).toEqual([
      "--seeds",
      "3",
      "--no-event-log",
    ]);
    expect(() => jobManifests({ ...opts, scenarioPath: "my sweep.json" })).toThrow(
      /cannot be a ConfigMap key/,
    );
    expect(() => validate({ ...job, spec: { ...job.spec, completionMode: "Sharded" } })).toThrow();
    expect(() => validate({ ...job, spec: { ...job.spec, completions: "three" } })).toThrow();
  });
});

describe("toYaml", () => {
  const text = fc.string({
    unit: fc.constantFrom(
      "a",
      "Z",
      " ",
      "\n",
      ":",
      "#",
      "-",
      "'",
      '"',
      "\\",
      "{",
      "]",
      ",",
      "&",
      "*",
      "!",
      "|",
      ">",
      "%",
      "@",
      "`",
      "0",
      "7",
      ".",
      "~",
      "\t",
      "é",
      "$",
      "(",
    ),
  });
  const special = fc.constantFrom(
    "",
    "yes",
    "No",
    "true",
    "null",
    "~",
    "0x1f",
    "1e3",
    ".inf",
    "-",
    "- a",
    "a: b",
    "#x",
    "  lead",
    "trail  ",
    "\n",
    "a\n",
    "a\n\n",
    "a\n \nb",
    "<<",
  );
  const value = fc.letrec((tie) => ({
    v: fc.oneof(
      { depthSize: "small" },
      text,
      special,
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie("v"), { maxLength: 4 }),
      fc.dictionary(fc.oneof(text, special), tie("v"), { maxKeys: 4 }),
    ),
  })).v;

  it("writes what a YAML reader reads back as the same value", () => {
    fc.assert(
      fc.property(value, (v) => {
        const [doc] = docs(toYaml(v));
        expect(doc).toEqual(v);
      }),
      { numRuns: 300 },
    );
  });

  it("separates documents with ---", () => {
    expect(docs(toYaml({ a: 1 }, ["x"], "s"))).toEqual([{ a: 1 }, ["x"], "s"]);
  });
});
