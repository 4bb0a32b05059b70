// The node:http + undici peer: the reverse proxy a Node team would write first (node:http server,
// undici Pool with keep-alive upstream), as a plain hop or either end of an mTLS pair. The issue's
// target for weft is ≥ 3× this pair's throughput.
// `node bench/peers/node-undici-main.ts '<Args JSON>' <portFile>`; binds 127.0.0.1:0.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { Pool } from 'undici';
import { peerArgs as args, peerTls as tls, servePeer } from './node-peer-process.ts';

const origin = `${args.mode === 'client' ? 'https' : 'http'}://127.0.0.1:${args.upstreamPort}`;
const pool = new Pool(origin, {
  connections: 512,
  keepAliveTimeout: 60_000,
  ...(args.mode === 'client' && tls
    ? {
        connect: {
          ...tls,
          rejectUnauthorized: true,
          // undici takes the TLS server name from the Host header (the app's host, not the peer's):
          // the chain is verified against the mesh CA; the name is not what identifies the peer.
          checkServerIdentity: () => undefined,
        },
      }
    : {}),
});

const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']);

const forward = (req: IncomingMessage, res: ServerResponse): void => {
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP.has(k)) headers[k] = v;
  const hasBody =
    req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
  pool.request(
    { method: req.method as 'GET', path: req.url ?? '/', headers, body: hasBody ? req : null },
    (err, data) => {
      if (err) return void (res.headersSent ? res.destroy() : res.writeHead(502).end());
      const out: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(data.headers)) if (v !== undefined && !HOP.has(k)) out[k] = v;
      res.writeHead(data.statusCode, out);
      data.body.pipe(res);
    },
  );
};

const server =
  args.mode === 'server' && tls
    ? createTlsServer({ ...tls, requestCert: true, rejectUnauthorized: true }, forward)
    : createServer(forward);
server.keepAliveTimeout = 120_000;
servePeer(server);
