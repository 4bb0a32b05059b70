// The echo backend of the conformance suite, like the upstream conformance echo: it answers 200
// with what it saw (method, path, Host, every request header line) and which pod answered. One
// port serves both HTTP/1.1 and gRPC (as the pod's sidecar forwards to one app port): a connection
// opening with the HTTP/2 preface is piped to the pod's grpc-js server (grpc-echo.ts).
import { createServer } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { startGrpcEcho } from './grpc-echo.ts';

const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n');

export interface EchoSeen {
  /** The pod name, e.g. echo-v1-6d4b7c9f8-x2x7q: a test's backend is a prefix of it. */
  readonly pod: string;
  readonly method: string;
  readonly path: string;
  readonly host: string;
  /** Header name (lower case) → every value, in arrival order. */
  readonly headers: Readonly<Record<string, readonly string[]>>;
}

export interface EchoBackend {
  readonly pod: string;
  readonly port: number;
  close(): Promise<void>;
}

export const startEchoBackend = async (pod: string): Promise<EchoBackend> => {
  const server = createServer((req, res) => {
    const headers: Record<string, string[]> = {};
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = (req.rawHeaders[i] as string).toLowerCase();
      (headers[name] ??= []).push(req.rawHeaders[i + 1] as string);
    }
    const seen: EchoSeen = {
      pod,
      method: req.method ?? '',
      path: req.url ?? '',
      host: req.headers.host ?? '',
      headers,
    };
    req.resume();
    req.once('end', () => {
      const body = JSON.stringify(seen);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 60_000;
  const grpc = await startGrpcEcho(pod);
  const sockets = new Set<Socket>();
  const mux = createTcpServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.once('data', (first: Buffer) => {
      socket.pause();
      if (first.subarray(0, H2_PREFACE.length).equals(H2_PREFACE.subarray(0, first.length))) {
        const upstream = connect(grpc.port, '127.0.0.1', () => {
          upstream.write(first);
          socket.pipe(upstream).pipe(socket);
          socket.resume();
        });
        upstream.once('error', () => socket.destroy());
        socket.once('error', () => upstream.destroy());
        socket.once('close', () => upstream.destroy());
      } else {
        socket.unshift(first);
        server.emit('connection', socket);
        socket.resume();
      }
    });
  });
  await new Promise<void>((r) => mux.listen(0, '127.0.0.1', r));
  return {
    pod,
    port: (mux.address() as AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => mux.close(() => r()));
      server.closeAllConnections();
      await grpc.close();
    },
  };
};
