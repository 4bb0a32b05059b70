// Raw Kubernetes objects → SourcedResources, through the same api/schema parser as the YAML folder.
// Parses each object once per resourceVersion, and keeps an object's last good content while a
// newer version of it is invalid (so a bad edit never takes routes away), as the dir source does.
import type { ConfigIssue } from '../../../api/model/result.ts';
import { parseResource } from '../../../api/schema/resources.ts';
import type { SourcedResource } from '../types.ts';
import type { JsonObject } from './kube-http.ts';
import { originOf } from './kinds.ts';

interface Entry {
  readonly rv: string;
  readonly good: SourcedResource | undefined;
  readonly issues: readonly ConfigIssue[];
}

export interface Converted {
  readonly origin: string;
  readonly resource: SourcedResource | undefined;
  readonly issues: readonly ConfigIssue[];
}

const metaOf = (o: JsonObject): { name: string; namespace: string; rv: string } => {
  const md = (o.metadata ?? {}) as { name?: string; namespace?: string; resourceVersion?: string };
  return { name: md.name ?? '', namespace: md.namespace ?? '', rv: md.resourceVersion ?? '' };
};

export class ObjectCache {
  private entries = new Map<string, Entry>();
  private seen = new Set<string>();

  /** Call before a pass over all objects; sweep() afterwards forgets the ones not converted. */
  begin(): void {
    this.seen = new Set();
  }

  convert(obj: JsonObject): Converted {
    const kind = String(obj.kind);
    const { name, namespace, rv } = metaOf(obj);
    const origin = originOf(kind, namespace, name);
    this.seen.add(origin);
    const previous = this.entries.get(origin);
    if (previous?.rv === rv && rv !== '') return { origin, resource: previous.good, issues: previous.issues };
    const parsed = parseResource(obj, { defaultNamespace: namespace || 'default' });
    let entry: Entry;
    if (!parsed.ok) {
      const issues = parsed.error.map((i) => ({ path: `${origin}: ${i.path}`, message: i.message }));
      entry = { rv, good: previous?.good, issues };
    } else {
      entry = { rv, good: parsed.value ? { resource: parsed.value, origin } : undefined, issues: [] };
    }
    this.entries.set(origin, entry);
    return { origin, resource: entry.good, issues: entry.issues };
  }

  sweep(): void {
    for (const k of this.entries.keys()) if (!this.seen.has(k)) this.entries.delete(k);
  }
}
