// What `weft dev` runs, read from the same YAML folder the control plane watches: DevWorkload
// objects (one app + sidecar each) and one DevLoad (the built-in load generator). The control
// plane ignores these kinds; they only describe local processes.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import type { ConfigIssue, Result } from '../../api/model/result.ts';

const meta = z.object({ name: z.string().min(1), namespace: z.string().default('default') }).loose();
const devWorkload = z.strictObject({
  apiVersion: z.literal('dev.weft.io/v1alpha1'),
  kind: z.literal('DevWorkload'),
  metadata: meta,
  spec: z.strictObject({
    service: z.string().optional(),
    serviceAccount: z.string().optional(),
    /** Service (host name) this app calls for every request it serves. */
    calls: z.string().optional(),
    /** Share of requests (0–1) the app answers with 500, spread evenly (a canary that fails). */
    failureRate: z.number().min(0).max(1).optional(),
    /** Added delay before every answer, in milliseconds (a canary that is slow). */
    latencyMs: z.number().int().min(0).max(60_000).optional(),
  }),
});
const devLoad = z.strictObject({
  apiVersion: z.literal('dev.weft.io/v1alpha1'),
  kind: z.literal('DevLoad'),
  metadata: meta,
  spec: z.strictObject({
    target: z.string().min(1),
    rps: z.number().positive().max(5000).default(100),
    concurrency: z.number().int().positive().max(1024).default(64),
  }),
});

export interface DevWorkloadSpec {
  name: string;
  namespace: string;
  service?: string;
  serviceAccount: string;
  calls?: string;
  failureRate?: number;
  latencyMs?: number;
}
export interface DevLoadSpec {
  name: string;
  namespace: string;
  target: string;
  rps: number;
  concurrency: number;
}
export interface Topology {
  workloads: DevWorkloadSpec[];
  load?: DevLoadSpec;
}

const yamlFiles = async (dir: string): Promise<string[]> => {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
};

const zodIssues = (file: string, what: string, error: z.ZodError): ConfigIssue[] =>
  error.issues.map((i) => ({ path: `${file}: ${what}: ${i.path.join('.')}`, message: i.message }));

const addObject = (obj: unknown, file: string, topology: Topology, issues: ConfigIssue[]): void => {
  const o = obj as { kind?: unknown; metadata?: { name?: unknown } } | null;
  const what = `${String(o?.kind)} ${String(o?.metadata?.name)}`;
  if (o?.kind === 'DevWorkload') {
    const parsed = devWorkload.safeParse(o);
    if (!parsed.success) return void issues.push(...zodIssues(file, what, parsed.error));
    const { metadata, spec } = parsed.data;
    topology.workloads.push({
      name: metadata.name,
      namespace: metadata.namespace,
      service: spec.service,
      serviceAccount: spec.serviceAccount ?? metadata.name,
      calls: spec.calls,
      ...(spec.failureRate !== undefined ? { failureRate: spec.failureRate } : {}),
      ...(spec.latencyMs !== undefined ? { latencyMs: spec.latencyMs } : {}),
    });
  } else if (o?.kind === 'DevLoad') {
    const parsed = devLoad.safeParse(o);
    if (!parsed.success) return void issues.push(...zodIssues(file, what, parsed.error));
    const { metadata, spec } = parsed.data;
    topology.load = { name: metadata.name, namespace: metadata.namespace, ...spec };
  }
};

export const readTopology = async (dir: string): Promise<Result<Topology>> => {
  const issues: ConfigIssue[] = [];
  const topology: Topology = { workloads: [] };
  for (const file of await yamlFiles(dir)) {
    for (const doc of parseAllDocuments(await readFile(file, 'utf8'))) {
      // YAML syntax errors are the control plane's to report, with line numbers
      if (doc.errors.length === 0) addObject(doc.toJS(), file, topology, issues);
    }
  }
  if (topology.workloads.length === 0)
    issues.push({
      path: dir,
      message: 'no DevWorkload objects found: add at least one (see examples/local/workloads.yaml)',
    });
  return issues.length > 0 ? { ok: false, error: issues } : { ok: true, value: topology };
};
