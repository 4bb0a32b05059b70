// Transparent capture end to end, in real network namespaces: a "node" namespace with a bridge and
// two "pods" A and B, each with `weft init`'s iptables rules, a control plane (local mode, its CA
// issuing the sidecars' certificates) and two sidecars running as UID 1337. An unmodified client
// in A (curl, or a plain node client) dials Service b's clusterIP — an address that exists only
// in the snapshot — and reaches the app in B through both sidecars over mTLS. Also: opaque TCP
// through a tunnel, passthrough to an address outside the mesh, the probe port, STRICT refusing
// plaintext. Addresses are private and live only inside these namespaces. Needs root, `ip` and
// `iptables-restore`; skipped with the reason otherwise.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { originalDstReader } from '../../proxy/capture/original-dst/original-dst.ts';
import { metricValue } from '../helpers/metrics.ts';
import { inNs, netnsSkipReason, sh } from './netns.ts';
import { eventually, httpIn, meshHop, startNetnsMesh, tail, tcpIn, type NetnsMesh } from './netns-mesh.ts';

const tag = `${process.pid % 100_000}`;
/** Service b's virtual IP: no interface has it; only A's sidecar knows what it means. */
const SERVICE_IP = '10.215.0.10';

const skipReason = netnsSkipReason(`weft-probe-${tag}`);

describe.skipIf(skipReason !== '')(
  `transparent capture between two pods${skipReason ? ` (SKIPPED: ${skipReason})` : ''}`,
  () => {
    let mesh: NetnsMesh;
    const logs = (): NetnsMesh['logs'] => mesh.logs;
    const metricsOf = (pod: 'a' | 'b'): string => mesh.metricsOf(pod);

    beforeAll(async () => {
      expect(
        originalDstReader().reason,
        'the SO_ORIGINAL_DST addon must be built (npm install)',
      ).toBeUndefined();
      const probes = (web: number) => ({
        '/app-health/web/readyz': { kind: 'httpGet', action: { path: '/', port: web }, timeoutSeconds: 2 },
      });
      mesh = await startNetnsMesh({
        tag,
        prefix: '10.214.0',
        services: ({ web, echo }) =>
          [
            'apiVersion: v1',
            'kind: Service',
            'metadata: { name: b, namespace: demo }',
            'spec:',
            `  clusterIP: ${SERVICE_IP}`,
            '  ports:',
            `    - { name: http, port: 80, targetPort: ${web}, appProtocol: http }`,
            `    - { name: echo, port: 7000, targetPort: ${echo}, appProtocol: tcp }`,
            '',
          ].join('\n'),
        bFlags: ({ web }) => ['--probe-port', '15021', '--app-probes', JSON.stringify(probes(web))],
      });
    }, 60_000);

    afterAll(() => mesh?.close());

    it('installed the capture rules in both pods', () => {
      for (const pod of ['a', 'b'] as const)
        expect(sh(inNs(mesh.topo.pods[pod]?.ns as string, ['iptables', '-t', 'nat', '-S']))).toContain(
          '-N WEFT_OUTPUT',
        );
    });

    it("an unmodified client's HTTP call to the clusterIP reaches the app in B through both sidecars over mTLS", async () => {
      const a = mesh.topo.pods.a?.ns as string;
      const reply = await eventually(
        () => httpIn(a, `http://${SERVICE_IP}/`),
        (r) => r.startsWith('200 '),
      );
      expect(reply, `sidecar A:\n${tail(logs().a)}\nsidecar B:\n${tail(logs().b)}`).toBe(
        `200 hello from b (host ${SERVICE_IP})`,
      );
      // The hop into B was mesh mTLS: TLS connections accepted, no plaintext ones.
      const hop = meshHop(mesh);
      expect(hop.plainAccepted).toBe(0);
      expect(Math.min(hop.inboundOk, hop.tlsAccepted, hop.outboundOk), JSON.stringify(hop)).toBeGreaterThan(
        0,
      );
    });

    it('carries opaque TCP to a tcp Service port through an mTLS tunnel', async () => {
      const a = mesh.topo.pods.a?.ns as string;
      expect(tcpIn(a, SERVICE_IP, 7000, 'opaque bytes, both ways'), tail(logs().a)).toBe(
        'opaque bytes, both ways',
      );
      const b = await eventually(
        () => metricsOf('b'),
        (m) =>
          metricValue(m, 'weft_tcp_connections_total', {
            direction: 'inbound',
            route: 'mesh',
            result: 'ok',
          }) > 0,
      );
      expect(
        metricValue(b, 'weft_tcp_connections_total', { direction: 'inbound', route: 'mesh', result: 'ok' }),
      ).toBe(1);
    });

    it('passes traffic to an address outside the mesh straight through', async () => {
      const a = mesh.topo.pods.a?.ns as string;
      expect(tcpIn(a, mesh.topo.gateway, mesh.ports.outside, 'to the node')).toBe('to the node');
      const out = await eventually(
        () => metricsOf('a'),
        (m) => metricValue(m, 'weft_tcp_connections_total', { route: 'passthrough', result: 'ok' }) > 0,
      );
      expect(metricValue(out, 'weft_tcp_connections_total', { route: 'passthrough', result: 'ok' })).toBe(1);
    });

    it("answers kubelet's rewritten probes on the probe port, from the node", () => {
      const b = mesh.topo.pods.b?.ip as string;
      expect(httpIn(mesh.topo.node, `http://${b}:15021/ready`)).toBe('200 ready\n');
      expect(httpIn(mesh.topo.node, `http://${b}:15021/app-health/web/readyz`)).toBe('200 HTTP 200\n');
    });

    it('refuses plaintext from outside the mesh (STRICT) on any captured port', () => {
      const b = mesh.topo.pods.b?.ip as string;
      expect(httpIn(mesh.topo.node, `http://${b}:${mesh.ports.echo}/`)).not.toMatch(/^200 /);
    });
  },
);
