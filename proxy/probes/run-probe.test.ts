import { createServer as createH2Server } from 'node:http2';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../api/runtime/clock.ts';
import type { AppProbe } from './app-probes.ts';
import { healthRequest, servingStatus } from './grpc-health.ts';
import { runProbe } from './run-probe.ts';

const portOf = (s: Server | TcpServer | ReturnType<typeof createH2Server>): number =>
  (s.address() as { port: number }).port;
const listening = <T extends Server | TcpServer | ReturnType<typeof createH2Server>>(s: T): Promise<T> =>
  new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(s)));

/** Answers with the status in the path (/status/503) and echoes a probe header. */
let http: Server;
/** Never answers: for deadlines. */
let silent: Server;
let tcp: TcpServer;
/** grpc.health.v1 stand-in: service "up" is SERVING (1), anything else NOT_SERVING (2). */
let grpc: ReturnType<typeof createH2Server>;
const seenHeaders: string[] = [];

beforeAll(async () => {
  http = await listening(
    createHttpServer((req, res) => {
      seenHeaders.push(String(req.headers['x-probe']));
      res.writeHead(Number(req.url?.split('/')[2] ?? 200)).end();
    }),
  );
  silent = await listening(createHttpServer(() => undefined));
  tcp = await listening(createTcpServer((s) => s.end()));
  grpc = await listening(
    createH2Server((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const service = body.subarray(7).toString();
        const status = service === 'up' ? 1 : 2;
        res.writeHead(200, { 'content-type': 'application/grpc' });
        res.addTrailers({ 'grpc-status': '0' });
        res.end(Buffer.from([0, 0, 0, 0, 2, 0x08, status]));
      });
    }),
  );
});
afterAll(() => {
  for (const s of [http, tcp, grpc]) s.close();
  silent.closeAllConnections();
  silent.close();
});

const deps = { host: '127.0.0.1', clock: systemClock };
const httpProbe = (path: string, port = portOf(http)): AppProbe => ({
  kind: 'httpGet',
  port,
  path,
  https: false,
  headers: [['X-Probe', 'yes']],
  timeoutMs: 2_000,
});

describe('runProbe', () => {
  it.each([
    ['/status/200', true],
    ['/status/302', true],
    ['/status/404', false],
    ['/status/503', false],
  ])('HTTP %s → %s', async (path, ok) => {
    expect((await runProbe(httpProbe(path), deps)).ok).toBe(ok);
    expect(seenHeaders.at(-1)).toBe('yes');
  });

  it('TCP passes when the port accepts and fails when it refuses', async () => {
    expect(await runProbe({ kind: 'tcpSocket', port: portOf(tcp), timeoutMs: 2_000 }, deps)).toMatchObject({
      ok: true,
    });
    const closed = await listening(createTcpServer());
    const port = portOf(closed);
    await new Promise((r) => closed.close(r));
    expect(await runProbe({ kind: 'tcpSocket', port, timeoutMs: 2_000 }, deps)).toEqual({
      ok: false,
      detail: 'ECONNREFUSED',
    });
  });

  it('gRPC passes on SERVING only', async () => {
    const probe = (service: string): AppProbe => ({
      kind: 'grpc',
      port: portOf(grpc),
      service,
      timeoutMs: 2_000,
    });
    expect(await runProbe(probe('up'), deps)).toEqual({ ok: true, detail: 'serving status 1' });
    expect(await runProbe(probe('down'), deps)).toEqual({ ok: false, detail: 'serving status 2' });
  });

  it('fails at the deadline on the injected clock when the app does not answer', async () => {
    const clock = new ManualClock();
    const pending = runProbe({ ...httpProbe('/', portOf(silent)), timeoutMs: 1_000 }, { ...deps, clock });
    let settled = false;
    void pending.then(() => (settled = true));
    await new Promise((r) => setImmediate(r));
    clock.advance(999);
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    clock.advance(1);
    expect(await pending).toEqual({ ok: false, detail: 'no answer within 1000 ms' });
  });
});

describe('gRPC health framing', () => {
  it('encodes HealthCheckRequest and decodes HealthCheckResponse', () => {
    expect(healthRequest('')).toEqual(Buffer.from([0, 0, 0, 0, 0]));
    expect(healthRequest('ab')).toEqual(Buffer.from([0, 0, 0, 0, 4, 0x0a, 2, 0x61, 0x62]));
    expect(servingStatus(Buffer.from([0, 0, 0, 0, 2, 0x08, 1]))).toBe(1);
    expect(servingStatus(Buffer.from([0, 0, 0, 0, 0]))).toBe(0);
  });
});
