// Test apps that stand for the workloads behind sidecars, on 127.0.0.1 port 0: an HTTP/1.1 echo,
// an h2c echo (with trailers) and a @grpc/grpc-js Echo service. Each counts requests and keeps
// the SHA-256 of the last request body it received.
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createH2Server, type Http2Server, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

export interface App {
  readonly port: number;
  readonly name: string;
  /** Requests seen so far. */
  requests: number;
  /** sha256 hex of the last request body, set when it ended. */
  lastBodyHash?: string;
  close(): Promise<void>;
}

const echoHeaders = (name: string, h: IncomingHttpHeaders): Record<string, string> => ({
  'x-app': name,
  'x-echo-method': String(h[':method'] ?? ''),
  'x-echo-path': String(h[':path'] ?? ''),
  'x-echo-authority': String(h[':authority'] ?? h.host ?? ''),
  'x-echo-custom': String(h['x-custom'] ?? ''),
});

/** Streams the body back while hashing it; resolves with the hash. */
const echoBody = (from: Readable, to: Writable, app: App): Promise<string> =>
  new Promise((resolve) => {
    const hash = createHash('sha256');
    from.on('data', (c: Buffer) => hash.update(c));
    from.once('end', () => {
      app.lastBodyHash = hash.digest('hex');
      resolve(app.lastBodyHash);
    });
    from.pipe(to);
  });

const portOf = (s: Server | Http2Server): number => (s.address() as AddressInfo).port;
const listen = (s: Server | Http2Server): Promise<void> => new Promise((r) => s.listen(0, '127.0.0.1', r));

export const startH1Echo = async (name = 'h1'): Promise<App> => {
  const server = createServer((req, res) => {
    app.requests++;
    res.writeHead(200, {
      ...echoHeaders(name, { ...req.headers, ':method': req.method, ':path': req.url }),
      'content-type': 'application/octet-stream',
    });
    void echoBody(req, res, app);
  });
  server.keepAliveTimeout = 60_000;
  await listen(server);
  const app: App = {
    port: portOf(server),
    name,
    requests: 0,
    close: () => new Promise<void>((r) => (server.close(() => r()), server.closeAllConnections())),
  };
  return app;
};

export const startH2Echo = async (name = 'h2'): Promise<App> => {
  const server = createH2Server({ settings: { initialWindowSize: 1 << 20 } });
  const sessions = new Set<{ destroy(): void }>();
  server.on('session', (s) => (sessions.add(s), s.once('close', () => sessions.delete(s))));
  server.on('stream', (stream: ServerHttp2Stream, headers) => {
    app.requests++;
    stream.respond(
      { ':status': 200, 'content-type': 'application/octet-stream', ...echoHeaders(name, headers) },
      { waitForTrailers: true },
    );
    const hashed = echoBody(stream, stream, app);
    stream.once('wantTrailers', () => void hashed.then((h) => stream.sendTrailers({ 'x-body-sha256': h })));
  });
  await listen(server);
  const app: App = {
    port: portOf(server),
    name,
    requests: 0,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sessions) s.destroy();
        server.close(() => r());
      }),
  };
  return app;
};

// ---- gRPC ----------------------------------------------------------------------------------

export interface EchoReply {
  text: string;
  payload: Buffer;
  index: number;
  authority: string;
}
type UnaryCb = (err: grpc.ServiceError | null, reply?: EchoReply) => void;
export interface EchoClient extends grpc.Client {
  say(req: { text: string; payload?: Buffer }, md: grpc.Metadata, cb: UnaryCb): grpc.ClientUnaryCall;
  count(req: { n: number; size: number }): grpc.ClientReadableStream<EchoReply>;
}
type EchoClientCtor = new (
  address: string,
  creds: grpc.ChannelCredentials,
  opts?: grpc.ClientOptions,
) => EchoClient;

export const loadEcho = (): { service: grpc.ServiceDefinition; Client: EchoClientCtor } => {
  const def = loadSync(new URL('./echo.proto', import.meta.url).pathname, { longs: Number, defaults: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    weft: { test: { Echo: EchoClientCtor & { service: grpc.ServiceDefinition } } };
  };
  return { service: pkg.weft.test.Echo.service, Client: pkg.weft.test.Echo };
};

export const grpcEchoClient = (port: number, authority: string): EchoClient => {
  const { Client } = loadEcho();
  return new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
    'grpc.default_authority': authority,
    'grpc.max_receive_message_length': 64 << 20,
    'grpc.max_send_message_length': 64 << 20,
  });
};

export const startGrpcEcho = async (name = 'grpc'): Promise<App> => {
  const { service } = loadEcho();
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 64 << 20 });
  server.addService(service, {
    say: (
      call: grpc.ServerUnaryCall<{ text: string; payload: Buffer }, EchoReply>,
      cb: grpc.sendUnaryData<EchoReply>,
    ) => {
      app.requests++;
      if (call.request.text === 'fail')
        return cb({ code: grpc.status.FAILED_PRECONDITION, details: 'asked to fail' });
      cb(null, {
        text: `${name}:${call.request.text}`,
        payload: call.request.payload,
        index: 0,
        authority: call.getHost(),
      });
    },
    count: (call: grpc.ServerWritableStream<{ n: number; size: number }, EchoReply>) => {
      app.requests++;
      for (let i = 0; i < call.request.n; i++)
        call.write({
          text: name,
          payload: Buffer.alloc(call.request.size, i % 251),
          index: i,
          authority: '',
        });
      call.end();
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  const app: App = {
    port,
    name,
    requests: 0,
    close: () => new Promise<void>((r) => server.tryShutdown(() => r())),
  };
  return app;
};
