import { describe, expect, it } from 'vitest';
import type { ServiceView } from '../../api/model/snapshot.ts';
import type { MeshModel } from '../index/model.ts';
import { snapshotFor } from './snapshot-for.ts';

const service = (name: string, namespace: string, endpoints: ServiceView['endpoints'] = []): ServiceView => ({
  name,
  namespace,
  hosts: [name, `${name}.${namespace}`, `${name}.${namespace}.svc`, `${name}.${namespace}.svc.cluster.local`],
  ports: [{ port: 80, targetPort: 8080, protocol: 'http' }],
  endpoints,
});
const model = (services: ServiceView[], authz: MeshModel['authz'] = {}): MeshModel => ({
  services: new Map(services.map((s) => [`${s.namespace}/${s.name}`, s])),
  authz,
});
const workload = { name: 'frontend-1', namespace: 'demo', serviceAccount: 'frontend' };
const opts = { trustDomain: 'example.org' };

describe('snapshotFor', () => {
  it('has a stable version for equal content, whatever the construction order', () => {
    const a = snapshotFor(model([service('a', 'demo'), service('b', 'demo')]), workload, opts);
    const reordered: ServiceView = {
      endpoints: [],
      ports: [{ protocol: 'http', targetPort: 8080, port: 80 }],
      hosts: service('b', 'demo').hosts,
      namespace: 'demo',
      name: 'b',
    };
    const b = snapshotFor(model([service('a', 'demo'), reordered]), { ...workload }, opts);
    expect(b.version).toBe(a.version);
    expect(a.version).toMatch(/^[0-9a-f]{16}$/);
  });

  it('changes the version when the content changes', () => {
    const before = snapshotFor(model([service('a', 'demo')]), workload, opts);
    const after = snapshotFor(
      model([service('a', 'demo', [{ address: '127.0.0.1', port: 1 }])]),
      workload,
      opts,
    );
    const otherWorkload = snapshotFor(
      model([service('a', 'demo')]),
      { ...workload, serviceAccount: 'x' },
      opts,
    );
    expect(new Set([before.version, after.version, otherWorkload.version]).size).toBe(3);
  });

  it('gives the workload its SPIFFE identity and keeps bare names inside its namespace', () => {
    const s = snapshotFor(model([service('a', 'demo'), service('b', 'other')]), workload, opts);
    expect(s.workload.identity).toBe('spiffe://example.org/ns/demo/sa/frontend');
    expect(s.services['demo/a']?.hosts).toContain('a');
    expect(s.services['other/b']?.hosts).toEqual(['b.other', 'b.other.svc', 'b.other.svc.cluster.local']);
  });

  it("carries the authorization view of the workload's service account only", () => {
    const view = { rules: [{ name: 'demo/t', sources: ['demo/a'] }] };
    const m = model([service('a', 'demo')], { 'demo/frontend': view });
    expect(snapshotFor(m, workload, opts).workload.authz).toEqual(view);
    expect(snapshotFor(m, { ...workload, serviceAccount: 'other' }, opts).workload.authz).toBeUndefined();
  });
});
