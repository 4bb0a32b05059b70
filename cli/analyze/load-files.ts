// Reads the files and folders given to `weft analyze -f` the way the control plane's folder source
// does (every *.yaml/*.yml, hidden files skipped): each file through the same parser, plus the raw
// objects weft itself ignores (Deployments, DevWorkloads…), which say who serves a Service.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { ConfigIssue } from '../../api/model/result.ts';
import { parseFile } from '../../control-plane/sources/dir/parse-file.ts';
import type { SourcedResource } from '../../control-plane/sources/types.ts';
import type { Workload } from './workloads.ts';

export interface Loaded {
  readonly resources: readonly SourcedResource[];
  readonly issues: readonly ConfigIssue[];
  /** Every object of every file as plain data, with the file it came from. */
  readonly raw: readonly RawObject[];
  /** Workloads known otherwise than from `raw` (the pods of a cluster). */
  readonly workloads?: readonly Workload[];
}

export interface RawObject {
  readonly origin: string;
  readonly object: Readonly<Record<string, unknown>>;
}

const YAML_FILE = /\.ya?ml$/i;

const filesUnder = async (path: string): Promise<string[]> => {
  const info = await stat(path).catch(() => {
    throw new Error(`${path}: no such file or folder (-f takes YAML files or folders of them)`);
  });
  if (!info.isDirectory()) return [path];
  const entries = await readdir(path, { withFileTypes: true });
  const nested = await Promise.all(
    entries
      .filter((e) => !e.name.startsWith('.'))
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((e) =>
        e.isDirectory() ? filesUnder(join(path, e.name)) : YAML_FILE.test(e.name) ? [join(path, e.name)] : [],
      ),
  );
  return nested.flat();
};

const rawObjects = (origin: string, text: string): RawObject[] =>
  parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length > 0) return [];
    try {
      const o: unknown = doc.toJS({ maxAliasCount: 100 });
      return typeof o === 'object' && o !== null && !Array.isArray(o)
        ? [{ origin, object: o as Record<string, unknown> }]
        : [];
    } catch {
      return []; // parseFile reports it
    }
  });

export const loadFiles = async (paths: readonly string[], defaultNamespace: string): Promise<Loaded> => {
  const files = [...new Set((await Promise.all(paths.map(filesUnder))).flat())];
  const resources: SourcedResource[] = [];
  const issues: ConfigIssue[] = [];
  const raw: RawObject[] = [];
  for (const file of files) {
    const text = await readFile(file, 'utf8');
    const parsed = parseFile(file, text, { defaultNamespace });
    resources.push(...parsed.resources);
    issues.push(...parsed.issues);
    raw.push(...rawObjects(file, text));
  }
  return { resources, issues, raw };
};
