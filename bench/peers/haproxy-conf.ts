// HAProxy configuration text for the peer rows: a plain hop and both ends of an mTLS pair, over
// HTTP/1.1, or h2 end to end for gRPC. One thread (the proxies share one CPU), HTTP mode, keep-alive and
// connection reuse to the server.
import type { CertPaths } from '../lib/certs.ts';
import type { Protocol } from '../lib/scenario.ts';

const base = (frontend: string, server: string): string => `
global
  nbthread 1
  maxconn 4096

defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout http-keep-alive 60s
  option http-keep-alive

frontend in
${frontend}
  default_backend out

backend out
  http-reuse always
${server}
`;

/** Plaintext h2 on a bind or server line is `proto h2` (prior knowledge); over TLS it is ALPN. */
const plain = (p: Protocol): string => (p === 'grpc' ? ' proto h2' : '');
const alpn = (p: Protocol): string => (p === 'grpc' ? ' alpn h2' : ' alpn http/1.1');

export const hopConf = (port: number, upstreamPort: number, p: Protocol): string =>
  base(`  bind 127.0.0.1:${port}${plain(p)}`, `  server app 127.0.0.1:${upstreamPort}${plain(p)}`);

/** Client end: plain in, TLS 1.3 with a client certificate out; server name checked like weft checks identity. */
export const mtlsClientConf = (port: number, serverPort: number, c: CertPaths, p: Protocol): string =>
  base(
    `  bind 127.0.0.1:${port}${plain(p)}`,
    `  server peer 127.0.0.1:${serverPort} ssl crt ${c.clientBundle} ca-file ${c.caCert} verify required verifyhost ${c.serverName} ssl-min-ver TLSv1.3${alpn(p)}`,
  );

/** Server end: TLS 1.3 in, client certificate required and verified against the mesh CA. */
export const mtlsServerConf = (port: number, upstreamPort: number, c: CertPaths, p: Protocol): string =>
  base(
    `  bind 127.0.0.1:${port} ssl crt ${c.serverBundle} ca-file ${c.caCert} verify required ssl-min-ver TLSv1.3${alpn(p)}`,
    `  server app 127.0.0.1:${upstreamPort}${plain(p)}`,
  );
