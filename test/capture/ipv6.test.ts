// Transparent capture over IPv6, end to end in network namespaces: dual-stack pods A and B (the
// same set-up as transparent.test.ts, plus IPv6 addresses), `weft init` writing ip6tables rules
// beside the iptables ones, B's sidecar registering its IPv6 pod IP as the endpoint. An unmodified
// client in A (curl) dials Service b's IPv6 clusterIP — known only to A's sidecar, which reads it
// back with IP6T_SO_ORIGINAL_DST — and reaches the app in B over mTLS on IPv6; opaque TCP and
// B's pod IP as the destination too. Needs root, `ip` and `iptables-restore`; skipped otherwise.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { originalDstReader } from '../../proxy/capture/original-dst/original-dst.ts';
import { metricValue } from '../helpers/metrics.ts';
import { inNs, netnsSkipReason, sh } from './netns.ts';
import { eventually, httpIn, meshHop, startNetnsMesh, tail, tcpIn, type NetnsMesh } from './netns-mesh.ts';

const tag = `${(process.pid % 100_000) + 1}`;
/** Service b's virtual IPs: no interface has them; only A's sidecar knows what they mean. */
const SERVICE_IP = '10.215.1.10';
const SERVICE_IP6 = 'fd00:215::10';

const skipReason =
  netnsSkipReason(`weft-probe6-${tag}`) ||
  ((): string => {
    try {
      sh(['ip6tables-restore', '--version']);
      return '';
    } catch {
      return 'ip6tables-restore not installed';
    }
  })();

describe.skipIf(skipReason !== '')(
  `transparent capture over IPv6${skipReason ? ` (SKIPPED: ${skipReason})` : ''}`,
  () => {
    let mesh: NetnsMesh;
    const pod = (key: 'a' | 'b') => mesh.topo.pods[key] as { ns: string; ip: string; ip6: string };
    const inboundOk = (): number =>
      metricValue(mesh.metricsOf('b'), 'weft_requests_total', { direction: 'inbound', code: '200' });

    beforeAll(async () => {
      expect(originalDstReader().reason, 'the SO_ORIGINAL_DST addon must be built').toBeUndefined();
      mesh = await startNetnsMesh({
        tag,
        prefix: '10.214.1',
        prefix6: 'fd00:214::',
        endpointFamily: 'ipv6',
        services: ({ web, echo }) =>
          [
            'apiVersion: v1',
            'kind: Service',
            'metadata: { name: b, namespace: demo }',
            'spec:',
            `  clusterIPs: [${SERVICE_IP}, "${SERVICE_IP6}"]`,
            '  ports:',
            `    - { name: http, port: 80, targetPort: ${web}, appProtocol: http }`,
            `    - { name: echo, port: 7000, targetPort: ${echo}, appProtocol: tcp }`,
            '',
          ].join('\n'),
      });
    }, 60_000);

    afterAll(() => mesh?.close());

    it('installed the capture rules for both families in both pods', () => {
      for (const key of ['a', 'b'] as const)
        for (const bin of ['iptables', 'ip6tables'])
          expect(sh(inNs(pod(key).ns, [bin, '-t', 'nat', '-S'])), bin).toContain('-N WEFT_OUTPUT');
    });

    it("an unmodified client's HTTP call to the IPv6 clusterIP reaches B over mTLS on IPv6", async () => {
      const reply = await eventually(
        () => httpIn(pod('a').ns, `http://[${SERVICE_IP6}]/`),
        (r) => r.startsWith('200 '),
      );
      expect(reply, `sidecar A:\n${tail(mesh.logs.a)}\nsidecar B:\n${tail(mesh.logs.b)}`).toBe(
        `200 hello from b (host [${SERVICE_IP6}])`,
      );
      // B is known only by its IPv6 pod IP: the hop into it was IPv6, and mesh mTLS.
      const hop = meshHop(mesh);
      expect(hop.plainAccepted).toBe(0);
      expect(Math.min(hop.inboundOk, hop.tlsAccepted, hop.outboundOk), JSON.stringify(hop)).toBeGreaterThan(
        0,
      );
    });

    it('carries opaque TCP to the IPv6 clusterIP through an mTLS tunnel', () => {
      expect(tcpIn(pod('a').ns, SERVICE_IP6, 7000, 'bytes over v6'), tail(mesh.logs.a)).toBe('bytes over v6');
    });

    it("serves B's metrics port to a scraper on the node over IPv6 (not captured)", () => {
      const out = httpIn(mesh.topo.node, `http://[${pod('b').ip6}]:15090/metrics`);
      expect(out.slice(0, 4), out.slice(0, 200)).toBe('200 ');
      expect(out).toContain('weft_requests_total');
    });

    it("routes a call to B's IPv6 pod IP through the mesh to B (not plaintext, which B's STRICT inbound refuses)", async () => {
      const before = inboundOk();
      const reply = await eventually(
        () => httpIn(pod('a').ns, `http://[${pod('b').ip6}]:${mesh.ports.web}/`),
        (r) => r.startsWith('200 '),
        10,
      );
      expect(reply, tail(mesh.logs.a)).toBe(`200 hello from b (host [${pod('b').ip6}]:${mesh.ports.web})`);
      expect(inboundOk()).toBe(before + 1);
    });
  },
);
