// Both generators against in-process loopback servers: short schedules (≈ 0.3 s each).
import { createServer as createH1, type Server as H1Server } from 'node:http';
import { createServer as createH2, type Http2Server, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { GRPC_REPLY } from './grpc-frames.ts';
import { runGrpcOpenLoop } from './open-loop-grpc.ts';
import { runOpenLoop } from './open-loop.ts';

const schedule = { rate: 500, warmupMs: 40, durationMs: 200 }; // 20 warm-up + 100 measured
const servers: (H1Server | Http2Server)[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

const listen = async <S extends H1Server | Http2Server>(s: S): Promise<number> => {
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
};

/** A unary gRPC server; `answer` decides each call by its arrival number. */
const grpcServer = (answer: (n: number, stream: ServerHttp2Stream) => void): Promise<number> => {
  let n = 0;
  const s = createH2();
  s.on('session', (session) => session.setMaxListeners(0));
  s.on('stream', (stream) => {
    const k = n++;
    stream.on('error', () => undefined); // the reset case errors its own stream
    stream.resume();
    stream.on('end', () => answer(k, stream));
  });
  return listen(s);
};

const ok = (stream: ServerHttp2Stream): void => {
  stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
  stream.end(GRPC_REPLY);
};

const grpcOptions = (port: number) => ({
  port,
  authority: 'bench.local',
  path: '/bench.Bench/Call',
  schedule,
  sessions: 2,
  maxStreamsPerSession: 50,
  drainMs: 2000,
});

describe('gRPC open loop', () => {
  it('every call succeeds over the few sessions it opened; latency is counted per measured call', async () => {
    const port = await grpcServer((_, stream) => ok(stream));
    const r = await runGrpcOpenLoop(grpcOptions(port));
    expect(r).toMatchObject({ rate: 500, measured: 100, ok: 100, non2xx: 0, errors: 0, timeouts: 0 });
    expect(r.connectionsOpened).toBe(2);
    expect(r.latencyMs.count).toBe(100);
    expect(r.latencyMs.p50).toBeGreaterThan(0);
    expect(r.sendLagMs.count).toBe(100);
  });

  it('counts a grpc-status other than 0, a trailers-only answer and a reset stream as failures', async () => {
    const port = await grpcServer((n, stream) => {
      if (n % 4 === 1) {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '14' }));
        stream.end(GRPC_REPLY);
      } else if (n % 4 === 2) {
        // trailers-only: grpc-status in the headers, no message
        stream.respond(
          { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '0' },
          {
            endStream: true,
          },
        );
      } else if (n % 4 === 3)
        stream.close(2); // RST_STREAM INTERNAL_ERROR, no headers
      else ok(stream);
    });
    const r = await runGrpcOpenLoop(grpcOptions(port));
    // 120 calls arrive in send order on one server; 100 measured (indices 20..119)
    expect(r).toMatchObject({ measured: 100, ok: 25, non2xx: 50, errors: 25, timeouts: 0 });
  });
});

describe('HTTP/1.1 open loop', () => {
  it('sends GETs with the Host header and counts 2xx and others', async () => {
    let n = 0;
    const hosts = new Set<string | undefined>();
    const port = await listen(
      createH1((req, res) => {
        hosts.add(req.headers.host);
        res.statusCode = n++ % 2 ? 503 : 200;
        res.end('x');
      }),
    );
    const r = await runOpenLoop({
      port,
      hostHeader: 'bench.local',
      path: '/',
      schedule,
      maxConnections: 16,
      drainMs: 2000,
    });
    expect(r).toMatchObject({ measured: 100, ok: 50, non2xx: 50, errors: 0, timeouts: 0 });
    expect(hosts).toEqual(new Set(['bench.local']));
    expect(r.connectionsOpened).toBeLessThanOrEqual(16);
  });
});
