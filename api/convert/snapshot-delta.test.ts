import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ProxySnapshot, ServiceView } from '../model/snapshot.ts';
import { diffServices } from './snapshot-delta.ts';
import { fromWire, toWire } from './snapshot-wire.ts';

const service = (name: string, port = 80): ServiceView => ({
  name,
  namespace: 'demo',
  hosts: [name],
  ports: [{ port, targetPort: 8080, protocol: 'http' }],
  endpoints: [{ address: '10.0.0.1', port: 8080 }],
});

const snapshot = (version: string, services: Record<string, ServiceView>): ProxySnapshot => ({
  version,
  workload: { name: 'w', namespace: 'demo', serviceAccount: 'w', identity: 'spiffe://td/ns/demo/sa/w' },
  services,
});

describe('snapshot deltas', () => {
  const a = service('a');
  const b = service('b');
  const base = snapshot('v1', { 'demo/a': a, 'demo/b': b });
  const next = snapshot('v2', { 'demo/a': a, 'demo/c': service('c') });

  it('carries only added, changed and removed services', () => {
    expect(diffServices(base.services, next.services)).toEqual({
      services: { 'demo/c': next.services['demo/c'] },
      removed: ['demo/b'],
    });
    const wire = toWire(next, base);
    expect(wire.baseVersion).toBe('v1');
    expect(JSON.parse(wire.snapshotJson.toString())).toEqual({
      version: 'v2',
      workload: next.workload,
      services: { 'demo/c': next.services['demo/c'] },
      removed: ['demo/b'],
    });
    expect(fromWire(wire, base)).toEqual({ ok: true, value: next });
  });

  it('is refused, naming base_version, by a sidecar that does not run its base', () => {
    const wire = toWire(next, base);
    for (const runs of [undefined, snapshot('v0', {})]) {
      const r = fromWire(wire, runs);
      expect(r.ok ? [] : r.error.map((i) => i.path)).toEqual(['base_version']);
    }
  });

  it('is checked like a whole snapshot once applied', () => {
    const bad = { ...toWire(next, base) };
    const body = JSON.parse(bad.snapshotJson.toString()) as Record<string, unknown>;
    const broken = { ...body, services: { 'demo/a': { ...a, ports: [{ port: 0 }] } }, removed: 'x' };
    const r1 = fromWire({ ...bad, snapshotJson: Buffer.from(JSON.stringify(broken)) }, base);
    expect(r1.ok ? [] : r1.error.map((i) => i.path)).toEqual(['delta.removed']);
    const r2 = fromWire(
      { ...bad, snapshotJson: Buffer.from(JSON.stringify({ ...broken, removed: [] })) },
      base,
    );
    expect(r2.ok ? [] : r2.error[0]?.path).toMatch(/^snapshot: services\["demo\/a"\]\.ports\[0\]/);
  });

  it('encodes the shared part once: two workloads get the same services bytes', () => {
    const other = { ...next, workload: { ...next.workload, name: 'w2' } };
    const tail = (s: ProxySnapshot) => toWire(s, base).snapshotJson.toString().split(',"services":')[1];
    expect(tail(other)).toBe(tail(next));
  });

  it('whole or delta, the sidecar ends up with the same snapshot (property)', () => {
    const keys = fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd', 'e'), { maxLength: 5 });
    const ports = fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd', 'e'), fc.integer({ min: 1, max: 3 }));
    fc.assert(
      fc.property(keys, ports, (baseKeys, nextPorts) => {
        const before = snapshot('v1', Object.fromEntries(baseKeys.map((k) => [`demo/${k}`, service(k)])));
        // Unchanged services keep their object, as the control plane's interning does.
        const after = snapshot(
          'v2',
          Object.fromEntries(
            Object.entries(nextPorts).map(([k, p]) => {
              const kept = before.services[`demo/${k}`];
              return [`demo/${k}`, p === 1 && kept ? kept : service(k, 80 + p)];
            }),
          ),
        );
        expect(fromWire(toWire(after, before), before)).toEqual(fromWire(toWire(after)));
      }),
      { numRuns: 200, seed: 7 },
    );
  });
});
