// Pod-IP destinations (headless Services, StatefulSet members) through real sidecars in one
// process: three "pods" on their own loopback addresses (127.0.0.2-4), each a sidecar with STRICT
// inbound and apps that say who they are, behind a headless Service `db` (no clusterIP). A fake
// reader stands in for SO_ORIGINAL_DST, keyed by the client's source address. A connection to a
// pod IP must reach exactly that pod through its sidecar over mTLS, with the identity the
// endpoint names pinned (the third pod presents another identity and is refused), and an idle
// opaque tunnel is closed after the client sidecar's idle timeout.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Endpoint, ServiceView } from '../../api/model/snapshot.ts';
import { makePki, spiffe, type TestPki } from '../helpers/certs.ts';
import { service, snapshot, startSidecar, type Sidecar } from '../helpers/mesh.ts';
import { metricValue, scrape } from '../helpers/metrics.ts';
import {
  fakeOriginalDst,
  httpGet,
  startBanner,
  startNamedHttp,
  tcpExchange,
  type TcpApp,
} from './loopback-apps.ts';

/** The client sidecar's idle timeout for opaque TCP in this test. */
const IDLE_MS = 400;

const { reader: fakeReader, dialling } = fakeOriginalDst(20);

interface Pod {
  readonly name: string;
  readonly ip: string;
  readonly web: TcpApp & { readonly requests: () => number };
  readonly banner: TcpApp;
  sidecar?: Sidecar;
}

/** Connects, reads the banner, sends a byte, then stays silent (or chats every `chatMs`) until closed. */
const holdTunnel = (
  port: number,
  localAddress: string,
  chatMs?: number,
  untilMs = 0,
): Promise<{ banner: string; openMs: number; clean: boolean }> =>
  new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port, localAddress, allowHalfOpen: true });
    let text = '';
    let opened = 0;
    let chat: NodeJS.Timeout | undefined;
    s.on('data', (c: Buffer) => {
      text += c.toString();
      if (opened !== 0 || !text.includes('\n')) return;
      // Counted from a byte sent: the sidecar reads it later, so its timer cannot start earlier.
      opened = performance.now();
      s.write('.');
      if (chatMs === undefined) return;
      chat = setInterval(() => {
        if (performance.now() - opened >= untilMs) return void (clearInterval(chat), s.end());
        s.write('.');
      }, chatMs);
    });
    const done = (clean: boolean) => () => {
      clearInterval(chat);
      resolve({ banner: text.split('\n')[0] ?? '', openMs: performance.now() - opened, clean });
    };
    s.once('end', done(true));
    s.once('error', done(false));
  });

describe('pod-IP destinations through transparent capture', () => {
  let pki: TestPki;
  let pods: Pod[];
  let client: Sidecar;
  let db: (endpoints: Endpoint[]) => ServiceView;

  beforeAll(async () => {
    pki = makePki();
    // Every pod listens on the same ports, as the members of a StatefulSet do.
    const first = await startNamedHttp('db-0', '127.0.0.2');
    const firstBanner = await startBanner('127.0.0.2', 'db-0');
    pods = [{ name: 'db-0', ip: '127.0.0.2', web: first, banner: firstBanner }];
    for (const [name, ip] of [
      ['db-1', '127.0.0.3'],
      ['db-2', '127.0.0.4'],
    ] as const)
      pods.push({
        name,
        ip,
        web: await startNamedHttp(name, ip, first.port),
        banner: await startBanner(ip, name, firstBanner.port),
      });
    const ports = [
      { name: 'http', port: first.port, targetPort: first.port, protocol: 'http' as const },
      { name: 'db', port: firstBanner.port, targetPort: firstBanner.port, protocol: 'tcp' as const },
    ];
    db = (endpoints) => service('db', endpoints, { ports });
    for (const pod of pods)
      pod.sidecar = await startSidecar(snapshot({ name: pod.name, service: 'db' }, [db([])]), {
        appPort: first.port,
        appHost: pod.ip,
        inboundHost: pod.ip,
        // db-2 is an impostor: its certificate names another service account than its endpoint.
        tls: pki.material(pod.name === 'db-2' ? 'mallory' : 'db'),
        inboundMode: 'STRICT',
      });
    const endpoints = pods.map((p) => ({
      address: p.ip,
      port: p.sidecar?.proxy.ports.inbound as number,
      workload: p.name,
      identity: spiffe('db'),
    }));
    client = await startSidecar(snapshot({ name: 'app' }, [db(endpoints)]), {
      appPort: 1,
      tls: pki.material('app'),
      originalDst: fakeReader,
      tcpIdleTimeoutMs: IDLE_MS,
    });
  });
  afterAll(async () => {
    await client?.proxy.close();
    for (const p of pods ?? []) {
      await p.sidecar?.proxy.close();
      await Promise.all([p.web.close(), p.banner.close()]);
    }
    pki?.dispose();
  });

  const pod = (name: string): Pod => pods.find((p) => p.name === name) as Pod;
  const out = (): number => client.proxy.ports.outbound;
  const tcpConnections = async (metricsPort: number, labels: Record<string, string>): Promise<number> =>
    metricValue(await scrape(metricsPort), 'weft_tcp_connections_total', labels);
  const inboundRequests = async (p: Pod): Promise<number> =>
    metricValue(await scrape(p.sidecar?.proxy.ports.metrics as number), 'weft_requests_total', {
      direction: 'inbound',
      code: '200',
    });

  it('sends HTTP to a pod IP to that pod, through its sidecar, on every request', async () => {
    const [db0, db1] = [pod('db-0'), pod('db-1')];
    for (let i = 0; i < 6; i++) {
      const r = await httpGet(out(), `${db1.ip}:${db1.web.port}`, dialling(db1.ip, db1.web.port));
      expect(r.status).toBe(200);
      expect(r.headers['x-app']).toBe('db-1');
    }
    expect(db1.web.requests()).toBe(6);
    expect(db0.web.requests()).toBe(0);
    // Through db-1's sidecar over mTLS, not passed straight through to its app.
    expect(await inboundRequests(db1)).toBe(6);
  });

  it('tunnels opaque TCP to a pod IP to that pod', async () => {
    const db0 = pod('db-0');
    const r = await tcpExchange(out(), 'select 1', {
      localAddress: dialling(db0.ip, db0.banner.port),
      expectFirst: 'db-0\n',
    });
    expect(r).toEqual({ reply: 'db-0\nselect 1', clean: true });
    const inbound = { direction: 'inbound', route: 'mesh', result: 'ok' };
    expect(await tcpConnections(db0.sidecar?.proxy.ports.metrics as number, inbound)).toBe(1);
  });

  it('refuses a pod whose certificate is not the identity its endpoint names', async () => {
    const db2 = pod('db-2');
    const http = await httpGet(out(), db2.ip, dialling(db2.ip, db2.web.port));
    expect(http.status).toBeGreaterThanOrEqual(500);
    const tcp = await tcpExchange(out(), 'select 1', { localAddress: dialling(db2.ip, db2.banner.port) });
    expect(tcp.reply).toBe('');
    expect(db2.web.requests()).toBe(0);
    const refused = { direction: 'outbound', route: 'mesh', result: 'connect_failed' };
    expect(await tcpConnections(client.proxy.ports.metrics, refused)).toBe(1);
  });

  it('closes an opaque tunnel idle for the idle timeout, and keeps a chatty one open', async () => {
    const db1 = pod('db-1');
    const [idle, chatty] = await Promise.all([
      holdTunnel(out(), dialling(db1.ip, db1.banner.port)),
      holdTunnel(out(), dialling(db1.ip, db1.banner.port), IDLE_MS / 8, IDLE_MS * 3),
    ]);
    expect(idle.banner).toBe('db-1');
    // Timers may fire late under load, never early (1 ms of slack for clock rounding).
    expect(idle.openMs).toBeGreaterThanOrEqual(IDLE_MS - 1);
    expect(chatty).toMatchObject({ banner: 'db-1', clean: true });
    expect(chatty.openMs).toBeGreaterThanOrEqual(IDLE_MS * 3);
    const idled = { direction: 'outbound', route: 'mesh', result: 'idle_timeout' };
    expect(await tcpConnections(client.proxy.ports.metrics, idled)).toBe(1);
  });
});
