// Outbound routing by original destination, in one process without iptables: a fake reader
// says where each connection "was going" from its loopback source address (127.0.0.x), the way
// SO_ORIGINAL_DST would after a REDIRECT. Two sidecars with openssl certificates, STRICT inbound:
// HTTP to a clusterIP whose Host is just the IP, opaque TCP (client-first and server-first, with
// half-close) through an mTLS tunnel, non-HTTP bytes on an HTTP port, passthrough outside the mesh.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Endpoint, ServiceView } from '../../api/model/snapshot.ts';
import { startH1Echo, type App } from '../helpers/apps.ts';
import { makePki, spiffe, type TestPki } from '../helpers/certs.ts';
import { service, snapshot, startSidecar, type Sidecar } from '../helpers/mesh.ts';
import { metricValue, scrape } from '../helpers/metrics.ts';
import {
  fakeOriginalDst,
  httpGet,
  startBanner,
  startTcpEcho,
  tcpExchange,
  type TcpApp,
} from './loopback-apps.ts';

const CLUSTER_IP = '10.96.0.10';
const { reader: fakeReader, dialling } = fakeOriginalDst(10);

describe('outbound routing by original destination', () => {
  let pki: TestPki;
  let web: App;
  let echo: TcpApp;
  let banner: TcpApp;
  let outside: TcpApp;
  let server: Sidecar;
  let client: Sidecar;
  beforeAll(async () => {
    pki = makePki();
    [web, echo, banner, outside] = await Promise.all([
      startH1Echo('b'),
      startTcpEcho(),
      startBanner(),
      startTcpEcho(),
    ]);
    const ports = [
      { name: 'http', port: 80, targetPort: web.port, protocol: 'http' as const },
      { name: 'echo', port: 7000, targetPort: echo.port, protocol: 'tcp' as const },
      { name: 'banner', port: 7001, targetPort: banner.port, protocol: 'tcp' as const },
      // Declared HTTP, but what listens there is a plain TCP echo: non-HTTP bytes must still pass.
      { name: 'mislabelled', port: 9000, targetPort: echo.port, protocol: 'http' as const },
    ];
    const b = (endpoints: Endpoint[]): ServiceView =>
      service('b', endpoints, { ports, clusterIPs: [CLUSTER_IP] });
    server = await startSidecar(snapshot({ name: 'b-1', service: 'b' }, [b([])]), {
      appPort: web.port,
      tls: pki.material('b'),
      inboundMode: 'STRICT',
    });
    const endpoint: Endpoint = {
      address: '127.0.0.1',
      port: server.proxy.ports.inbound,
      identity: spiffe('b'),
    };
    const closedPort: ServiceView = service('c', [endpoint], {
      ports: [{ port: 7002, targetPort: 1, protocol: 'tcp' }],
      clusterIPs: ['10.96.0.11'],
    });
    client = await startSidecar(snapshot({ name: 'a-1' }, [b([endpoint]), closedPort]), {
      appPort: 1,
      tls: pki.material('a'),
      originalDst: fakeReader,
    });
  });
  afterAll(async () => {
    await client.proxy.close();
    await server.proxy.close();
    await Promise.all([web.close(), echo.close(), banner.close(), outside.close()]);
    pki.dispose();
  });

  const outbound = (): number => client.proxy.ports.outbound;

  it('routes HTTP to a clusterIP by its original destination, whatever the Host says', async () => {
    const before = web.requests;
    const r = await httpGet(outbound(), CLUSTER_IP, dialling(CLUSTER_IP, 80));
    expect(r.status).toBe(200);
    expect(r.headers['x-app']).toBe('b');
    expect(r.headers['x-echo-authority']).toBe(CLUSTER_IP);
    expect(web.requests).toBe(before + 1);
    const metrics = await scrape(server.proxy.ports.metrics);
    expect(
      metricValue(metrics, 'weft_requests_total', { direction: 'inbound', code: '200' }),
    ).toBeGreaterThan(0);
    expect(
      metricValue(metrics, 'weft_inbound_connections_total', { tls: 'true', result: 'accepted' }),
    ).toBeGreaterThan(0);
  });

  it('tunnels a tcp port over mTLS, with half-close in both directions', async () => {
    const r = await tcpExchange(outbound(), 'ping over the tunnel', {
      localAddress: dialling(CLUSTER_IP, 7000),
    });
    expect(r).toEqual({ reply: 'ping over the tunnel', clean: true });
    const inbound = await scrape(server.proxy.ports.metrics);
    expect(
      metricValue(inbound, 'weft_tcp_connections_total', {
        direction: 'inbound',
        route: 'mesh',
        result: 'ok',
      }),
    ).toBe(1);
    const out = await scrape(client.proxy.ports.metrics);
    expect(
      metricValue(out, 'weft_tcp_bytes_total', { direction: 'outbound', route: 'mesh', flow: 'received' }),
    ).toBe('ping over the tunnel'.length);
  });

  it('tunnels a server-first protocol without waiting for the client to speak', async () => {
    const r = await tcpExchange(outbound(), 'hi', {
      localAddress: dialling(CLUSTER_IP, 7001),
      expectFirst: 'banner\n',
    });
    expect(r).toEqual({ reply: 'banner\nhi', clean: true });
  });

  it('tunnels non-HTTP bytes sent to an HTTP port instead of failing them', async () => {
    const r = await tcpExchange(outbound(), 'not http at all', { localAddress: dialling(CLUSTER_IP, 9000) });
    expect(r).toEqual({ reply: 'not http at all', clean: true });
  });

  it('passes connections to addresses outside the mesh straight through', async () => {
    const r = await tcpExchange(outbound(), 'outside', { localAddress: dialling('127.0.0.1', outside.port) });
    expect(r).toEqual({ reply: 'outside', clean: true });
    const out = await scrape(client.proxy.ports.metrics);
    expect(metricValue(out, 'weft_tcp_connections_total', { route: 'passthrough', result: 'ok' })).toBe(1);
  });

  it('sends HTTP to a non-service address through the mesh when its Host names a service', async () => {
    const before = web.requests;
    const r = await httpGet(outbound(), 'b.demo', dialling('127.0.0.1', outside.port));
    expect(r.status).toBe(200);
    expect(web.requests).toBe(before + 1);
  });

  it('keeps Host routing for connections dialled at the outbound port itself', async () => {
    const r = await httpGet(outbound(), 'b.demo:80');
    expect(r.headers['x-app']).toBe('b');
  });

  it('refuses a tunnel to a port that is not a target port of the server workload', async () => {
    const r = await tcpExchange(outbound(), 'let me in', { localAddress: dialling('10.96.0.11', 7002) });
    expect(r.clean && r.reply !== '').toBe(false);
    const inbound = await scrape(server.proxy.ports.metrics);
    expect(
      metricValue(inbound, 'weft_tcp_connections_total', { direction: 'inbound', result: 'refused' }),
    ).toBe(1);
  });
});
