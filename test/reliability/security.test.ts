// Security properties of running sidecar processes: the admin port listens on 127.0.0.1 only
// (read from /proc/net/tcp, whatever --listen-host says); no page (metrics, admin) and no log line
// carries the workload key or the service-account token; a STRICT workload never receives
// plaintext; headers only sidecars may set are stripped from requests entering from outside the
// mesh. (Foreign-CA and expired client certificates: test/mtls/openssl.test.ts; one service
// account cannot obtain another's certificate: test/identity/issuance.test.ts.)
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { h1Call } from '../helpers/http-clients.ts';
import { scrape } from '../helpers/metrics.ts';
import { stopAll } from '../mtls/processes.ts';
import {
  closeServer,
  endpointsAre,
  ProcessMesh,
  serviceYaml,
  staticSidecar,
  type SidecarProc,
} from './harness.ts';

/** Local addresses (hex, as /proc/net/tcp writes them) of the sockets listening on `port`. */
const listenersOn = async (port: number): Promise<string[]> => {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const found: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state === '0A' && local?.endsWith(`:${hexPort}`)) found.push(local.split(':')[0] as string);
    }
  }
  return found;
};
const LOOPBACK = '0100007F'; // 127.0.0.1 in /proc/net/tcp byte order

/** Base64 lines of a PEM body, long enough not to match by chance. */
const secretLines = (pem: string): string[] =>
  pem.split('\n').filter((l) => l.length >= 40 && !l.startsWith('-----'));

describe('security of a running sidecar', () => {
  let mesh: ProcessMesh;
  let app: Server;
  const received: IncomingHttpHeaders[] = [];
  let server: SidecarProc;
  let client: SidecarProc;

  beforeAll(async () => {
    mesh = await ProcessMesh.create({ 'services.yaml': serviceYaml('echo') });
    await mesh.startControlPlane();
    app = createServer((req, res) => {
      received.push(req.headers);
      res.writeHead(200, { 'content-length': 2 }).end('ok');
    });
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    const appPort = (app.address() as AddressInfo).port;
    // No --listen-host: inbound and metrics on 0.0.0.0 as in a pod; admin must still be loopback.
    server = await mesh.sidecar('server', { service: 'echo', appPort, extra: ['--log-level', 'debug'] });
    client = await mesh.sidecar('client', { extra: ['--log-level', 'debug'] });
    await endpointsAre(client, 'echo', 1);
    expect((await h1Call(client.ports.outbound, { authority: 'echo' })).status).toBe(200);
  }, 40_000);
  afterAll(async () => {
    await stopAll();
    closeServer(app);
    await mesh?.close();
  });

  it('admin listens on 127.0.0.1 only', async () => {
    for (const s of [server, client]) expect(await listenersOn(s.ports.admin)).toEqual([LOOPBACK]);
  });

  it('no key or token in /metrics, admin pages or logs', async () => {
    for (const s of [server, client]) {
      const stored = JSON.parse(await readFile(join(mesh.dir, 'state', s.name, 'identity.json'), 'utf8')) as {
        privateKeyPem: string;
      };
      const token = (await readFile(join(mesh.dir, `${s.name}.token`), 'utf8')).trim();
      const pages = [
        await scrape(s.ports.metrics),
        ...(await Promise.all(
          ['/config', '/ready', '/live', '/faults', '/status'].map(async (p) =>
            (await fetch(`http://127.0.0.1:${s.ports.admin}${p}`)).text(),
          ),
        )),
        s.proc.output(),
      ].join('\n');
      expect(pages).not.toContain('PRIVATE KEY');
      for (const line of secretLines(stored.privateKeyPem)) expect(pages).not.toContain(line);
      expect(pages).not.toContain(token);
      expect(pages).not.toContain(token.split('.').at(-1)); // not even the signature part
    }
  });

  it('a STRICT workload never receives plaintext', async () => {
    const before = received.length;
    const r = await fetch(`http://127.0.0.1:${server.ports.inbound}/`, { headers: { host: 'echo' } }).then(
      (res) => `status ${res.status}`,
      (e: Error) => `refused (${(e.cause as { code?: string } | undefined)?.code ?? e.message})`,
    );
    expect(r).toMatch(/^refused/);
    expect(received.length).toBe(before);
  });
});

/**
 * Sidecar-only headers (grep of x-weft in proxy/): responses carry x-weft-error, x-weft-notes,
 * x-weft-authz and x-weft-fault; requests may carry x-weft-debug (turns on x-weft-notes).
 * Entering from outside the mesh (plaintext inbound), none of them may reach the app, and a
 * caller outside the mesh must not be able to switch on debug notes.
 */
const SIDECAR_ONLY = ['x-weft-debug', 'x-weft-error', 'x-weft-notes', 'x-weft-authz', 'x-weft-fault'];

describe('sidecar-only headers from outside the mesh', () => {
  let app: Server;
  const received: IncomingHttpHeaders[] = [];
  let server: SidecarProc;
  let dir: string;

  beforeAll(async () => {
    const mesh = await ProcessMesh.create({});
    dir = mesh.dir;
    app = createServer((req, res) => {
      received.push(req.headers);
      res.writeHead(200, { 'content-length': 2 }).end('ok');
    });
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    server = await staticSidecar(dir, 'plain-server', { appPort: (app.address() as AddressInfo).port });
  }, 30_000);
  afterAll(async () => {
    await stopAll();
    closeServer(app);
  });

  // proxy/inbound/strip-sidecar-headers.ts
  it('are stripped from requests entering the inbound listener in plaintext', async () => {
    const headers = Object.fromEntries(SIDECAR_ONLY.map((h) => [h, '1']));
    const r = await h1Call(server.ports.inbound, { authority: 'echo', headers });
    expect(r.status).toBe(200);
    expect(r.headers['x-weft-notes']).toBeUndefined();
    const seen = Object.keys(received.at(-1) ?? {}).filter((h) => h.startsWith('x-weft-'));
    expect(seen).toEqual([]);
  });
});
