// Plain TCP apps and clients for the capture tests: an echo (half-close aware), a server-first
// banner, and clients that can pick their loopback source address (127.0.0.x), which is how the
// in-process tests tell a fake original-destination reader what each connection "was dialling".
import { connect, createServer, type Server, type Socket } from 'node:net';
import { createServer as createHttpServer, request } from 'node:http';
import type { OriginalDst, OriginalDstReader } from '../../proxy/capture/original-dst/original-dst.ts';

export interface TcpApp {
  readonly port: number;
  close(): Promise<void>;
}

const listen = async (server: Server, host = '127.0.0.1', port = 0): Promise<TcpApp> => {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return {
    port: (server.address() as { port: number }).port,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
};

/** Echoes every byte; answers the client's FIN with its own after the echo. */
export const startTcpEcho = (host?: string): Promise<TcpApp> =>
  listen(
    createServer({ allowHalfOpen: true }, (s) => s.pipe(s)),
    host,
  );

/** Speaks first (`<banner>\n`), then echoes. */
export const startBanner = (host?: string, banner = 'banner', port = 0): Promise<TcpApp> =>
  listen(
    createServer({ allowHalfOpen: true }, (s) => {
      s.write(`${banner}\n`);
      s.pipe(s);
    }),
    host,
    port,
  );

/** A pod's HTTP app that says who it is (`x-app: <name>`) and counts what reached it. */
export const startNamedHttp = async (
  name: string,
  host: string,
  port = 0,
): Promise<TcpApp & { readonly requests: () => number }> => {
  let requests = 0;
  const server = createHttpServer((_req, res) => {
    requests++;
    res.writeHead(200, { 'x-app': name }).end(name);
  });
  const app = await listen(server, host, port);
  return {
    ...app,
    requests: () => requests,
    close: () => (server.closeAllConnections(), app.close()),
  };
};

export interface TcpExchange {
  readonly reply: string;
  /** The peer closed cleanly (FIN) rather than resetting. */
  readonly clean: boolean;
}

/** Connects, waits for `expectFirst` when given, sends `text`, half-closes, reads to the end. */
export const tcpExchange = (
  port: number,
  text: string,
  opts: { host?: string; localAddress?: string; expectFirst?: string } = {},
): Promise<TcpExchange> =>
  new Promise((resolve) => {
    const s: Socket = connect({
      host: opts.host ?? '127.0.0.1',
      port,
      allowHalfOpen: true,
      ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
    });
    let reply = '';
    let sent = false;
    const send = (): void => {
      sent = true;
      s.end(text);
    };
    s.on('data', (c: Buffer) => {
      reply += c.toString();
      if (!sent && opts.expectFirst !== undefined && reply.startsWith(opts.expectFirst)) send();
    });
    s.once('connect', () => (opts.expectFirst === undefined ? send() : undefined));
    s.once('end', () => resolve({ reply, clean: true }));
    s.once('error', () => resolve({ reply, clean: false }));
  });

/** A GET with any Host, from a chosen loopback source address; resolves status and body. */
export const httpGet = (
  port: number,
  host: string,
  localAddress?: string,
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> =>
  new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/hello',
        headers: { host },
        agent: false,
        ...(localAddress ? { localAddress } : {}),
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.once('error', reject);
    req.end();
  });

/**
 * Stands in for SO_ORIGINAL_DST: `dialling(address, port)` hands out a fresh loopback source
 * address (127.0.0.<firstSource>, then on) and `reader` answers that destination for connections
 * from it.
 */
export const fakeOriginalDst = (
  firstSource: number,
): { reader: OriginalDstReader; dialling: (address: string, port: number) => string } => {
  const dialled = new Map<string, OriginalDst>();
  let next = firstSource;
  return {
    reader: {
      available: true,
      read: (s: Socket) => dialled.get((s.remoteAddress ?? '').replace('::ffff:', '')),
    },
    dialling: (address, port) => {
      const source = `127.0.0.${next++}`;
      dialled.set(source, { address, port, family: 4 });
      return source;
    },
  };
};
