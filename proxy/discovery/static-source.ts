// A SnapshotSource that holds one snapshot given in memory (tests, `replace()` to change it) or
// read from a JSON/YAML file (`weft proxy --config`). The file is parsed at the edge into a
// Result: every problem is reported at once with its path.
import { readFile } from 'node:fs/promises';
import { err, formatIssues, ok, type Result } from '../../api/model/result.ts';
import type { ProxySnapshot } from '../../api/model/snapshot.ts';
import { toConfigIssues } from '../../api/schema/issues.ts';
import { snapshotSchema } from '../../api/schema/snapshot.ts';
import type { SnapshotSource } from './source.ts';

export class StaticSource implements SnapshotSource {
  private snapshot: ProxySnapshot | undefined;
  private readonly listeners = new Set<(s: ProxySnapshot) => void>();
  private readonly waiting: ((s: ProxySnapshot) => void)[] = [];

  constructor(initial?: ProxySnapshot) {
    this.snapshot = initial;
  }
  current(): ProxySnapshot | undefined {
    return this.snapshot;
  }
  subscribe(listener: (snapshot: ProxySnapshot) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  ready(): Promise<ProxySnapshot> {
    const s = this.snapshot;
    return s ? Promise.resolve(s) : new Promise((resolve) => this.waiting.push(resolve));
  }
  /** Makes `snapshot` the current one and tells every subscriber. */
  replace(snapshot: ProxySnapshot): void {
    this.snapshot = snapshot;
    for (const resolve of this.waiting.splice(0)) resolve(snapshot);
    for (const l of this.listeners) l(snapshot);
  }
  async close(): Promise<void> {
    this.listeners.clear();
  }
}

export const staticSource = (initial?: ProxySnapshot): StaticSource => new StaticSource(initial);

/**
 * JSON is YAML, so one parser reads both. Loaded on first use: a sidecar fed by the control plane
 * reads no file and never needs it (~160 KB of code).
 */
export const parseSnapshot = async (text: string, origin: string): Promise<Result<ProxySnapshot>> => {
  const { parse } = await import('./yaml-parse.ts');
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    return err([{ path: origin, message: `is not valid YAML or JSON: ${(e as Error).message}` }]);
  }
  const parsed = snapshotSchema.safeParse(doc, { reportInput: true });
  return parsed.success ? ok(parsed.data) : err(toConfigIssues(parsed.error, origin));
};

export const loadSnapshotFile = async (path: string): Promise<Result<ProxySnapshot>> => {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    return err([{ path, message: `cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})` }]);
  }
  return parseSnapshot(text, path);
};

/** Throws with every issue listed when the file is missing or invalid. */
export const fromFile = async (path: string): Promise<StaticSource> => {
  const loaded = await loadSnapshotFile(path);
  if (!loaded.ok) throw new Error(`invalid sidecar configuration:\n${formatIssues(loaded.error)}`);
  return new StaticSource(loaded.value);
};
