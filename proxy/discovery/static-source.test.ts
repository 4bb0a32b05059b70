import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProxySnapshot } from '../../api/model/snapshot.ts';
import { fromFile, loadSnapshotFile, staticSource } from './static-source.ts';

const snap = (version: string): ProxySnapshot => ({
  version,
  workload: {
    name: 'w',
    namespace: 'demo',
    serviceAccount: 'w',
    identity: 'spiffe://cluster.local/ns/demo/sa/w',
  },
  services: {
    'demo/web': {
      name: 'web',
      namespace: 'demo',
      hosts: ['web'],
      ports: [{ port: 80, targetPort: 8080, protocol: 'http' }],
      endpoints: [{ address: '10.0.0.1', port: 15006 }],
    },
  },
});

const dir = mkdtempSync(join(tmpdir(), 'weft-static-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('StaticSource', () => {
  it('resolves ready() on the first snapshot and tells subscribers of replacements', async () => {
    const source = staticSource();
    expect(source.current()).toBeUndefined();
    const ready = source.ready();
    const seen: string[] = [];
    const stop = source.subscribe((s) => seen.push(s.version));
    source.replace(snap('a'));
    expect((await ready).version).toBe('a');
    source.replace(snap('b'));
    stop();
    source.replace(snap('c'));
    expect(seen).toEqual(['a', 'b']);
    expect(source.current()?.version).toBe('c');
  });

  it('reads JSON and YAML files', async () => {
    const json = await fromFile(file('s.json', JSON.stringify(snap('j'))));
    expect(json.current()).toEqual(snap('j'));
    const yaml = await fromFile(
      file(
        's.yaml',
        `version: y
workload: { name: w, namespace: demo, serviceAccount: w, identity: "spiffe://cluster.local/ns/demo/sa/w" }
services:
  demo/web:
    name: web
    namespace: demo
    hosts: [web]
    ports: [{ port: 80, targetPort: 8080, protocol: http }]
    endpoints: [{ address: 10.0.0.1, port: 15006 }]
`,
      ),
    );
    expect(yaml.current()).toEqual({ ...snap('j'), version: 'y' });
  });

  it('reports every problem at once with its path', async () => {
    const bad = snap('x') as unknown as { services: Record<string, { ports: unknown[]; hosts: unknown }> };
    bad.services['demo/web']!.ports = [{ port: 'eighty', targetPort: 8080, protocol: 'http' }];
    bad.services['demo/web']!.hosts = 'web';
    const p = file('bad.json', JSON.stringify(bad));
    const r = await loadSnapshotFile(p);
    expect(r.ok).toBe(false);
    const paths = r.ok ? [] : r.error.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        `${p}: services["demo/web"].ports[0].port`,
        `${p}: services["demo/web"].hosts`,
      ]),
    );
    await expect(fromFile(p)).rejects.toThrow(/ports\[0\]\.port/);
    await expect(fromFile(join(dir, 'missing.yaml'))).rejects.toThrow(/cannot be read \(ENOENT\)/);
    const broken = await loadSnapshotFile(file('broken.yaml', 'version: [unclosed'));
    expect(broken.ok ? '' : broken.error[0]?.message).toMatch(/not valid YAML or JSON/);
  });
});
