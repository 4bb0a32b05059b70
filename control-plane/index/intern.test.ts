import { describe, expect, it } from 'vitest';
import type { ServiceView } from '../../api/model/snapshot.ts';
import { internServices } from './intern.ts';
import type { MeshModel } from './model.ts';

const service = (name: string, weight?: number): ServiceView => ({
  name,
  namespace: 'demo',
  hosts: [name],
  ports: [{ port: 80, targetPort: 8080, protocol: 'http' }],
  endpoints: [],
  ...(weight !== undefined
    ? { split: { name: `demo/${name}`, backends: [{ service: 'demo/x', weight }] } }
    : {}),
});
const model = (services: ServiceView[]): MeshModel => ({
  services: new Map(services.map((s) => [`demo/${s.name}`, s])),
  authz: {},
});

describe('internServices', () => {
  it('keeps the previous object of an unchanged service and takes the new one of a changed one', () => {
    const previous = model([service('a'), service('b', 1)]);
    const next = internServices(previous, model([service('a'), service('b', 2), service('c')]));
    expect(next.services.get('demo/a')).toBe(previous.services.get('demo/a'));
    expect(next.services.get('demo/b')).not.toBe(previous.services.get('demo/b'));
    expect(next.services.get('demo/b')?.split?.backends[0]?.weight).toBe(2);
    expect([...next.services.keys()]).toEqual(['demo/a', 'demo/b', 'demo/c']);
  });

  it('compares content, not key order', () => {
    const a = service('a');
    const reordered = { endpoints: [], ports: a.ports, hosts: a.hosts, namespace: 'demo', name: 'a' };
    const previous = model([a]);
    expect(internServices(previous, model([reordered])).services.get('demo/a')).toBe(a);
  });
});
