import { describe, expect, it } from 'vitest';
import type { AuthzView } from '../../api/model/authz.ts';
import type { ProxySnapshot } from '../../api/model/snapshot.ts';
import { tunnelAuthorized, tunnelPorts } from './inbound-tunnel.ts';

const snapshot = (authz?: AuthzView): ProxySnapshot => ({
  version: 'v1',
  workload: {
    name: 'b-1',
    namespace: 'demo',
    service: 'b',
    serviceAccount: 'b',
    identity: 'spiffe://cluster.local/ns/demo/sa/b',
    ...(authz ? { authz } : {}),
  },
  services: {
    'demo/b': {
      name: 'b',
      namespace: 'demo',
      hosts: ['b'],
      ports: [
        { port: 80, targetPort: 8080, protocol: 'http' },
        { port: 7000, targetPort: 7007, protocol: 'tcp' },
      ],
      endpoints: [],
    },
  },
});

const A = 'spiffe://cluster.local/ns/demo/sa/a';

describe('tunnelPorts', () => {
  it("allows the app port and the target ports of the workload's own Service, nothing else", () => {
    expect([...tunnelPorts(snapshot(), 9000)].sort()).toEqual([7007, 8080, 9000]);
    expect([...tunnelPorts(undefined, 9000)]).toEqual([9000]);
    expect([...tunnelPorts(undefined, 0)]).toEqual([]);
  });
});

describe('tunnelAuthorized', () => {
  const l4: AuthzView = { rules: [{ name: 'demo/a-to-b', sources: ['demo/a'], ports: [7007] }] };
  const http: AuthzView = {
    rules: [{ name: 'demo/http', sources: ['demo/a'], routes: [{ pathRegex: '.*' }] }],
  };
  it.each<[string, AuthzView | undefined, string | undefined, number, boolean]>([
    ['no policy: any caller', undefined, undefined, 7007, true],
    ['L4 rule admits its source and port', l4, A, 7007, true],
    ['L4 rule: another port', l4, A, 8080, false],
    ['L4 rule: another source', l4, 'spiffe://cluster.local/ns/demo/sa/c', 7007, false],
    ['policy but no verified caller', l4, undefined, 7007, false],
    ['HTTP-route rules cannot admit opaque bytes', http, A, 7007, false],
  ])('%s', (_name, view, peer, port, allowed) =>
    expect(tunnelAuthorized(snapshot(view), peer, port)).toBe(allowed),
  );
});
