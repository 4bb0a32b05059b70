// nginx configuration text for the upstream app (1 KiB HTTP/1.1 body; a unary gRPC service with a
// 1 KiB message) and for nginx as a peer proxy (plain hop, and both ends of an mTLS pair; proxy_pass
// for HTTP/1.1, grpc_pass for gRPC). One worker, no access log, keep-alive everywhere.
import type { CertPaths } from '../lib/certs.ts';
import type { Protocol } from '../lib/scenario.ts';

export const BODY_BYTES = 1024;
const BODY = 'x'.repeat(BODY_BYTES - 1) + '\n';

/** The one gRPC method the app serves; its reply is a file (see grpcReply), trailer grpc-status 0. */
export const GRPC_PATH = '/bench.Bench/Call';

const frame = (dir: string, server: string, upstreamPort?: number): string => `
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 1000000;
  keepalive_timeout 120s;
${upstreamPort === undefined ? '' : `  upstream app { server 127.0.0.1:${upstreamPort}; keepalive 256; keepalive_requests 1000000; }\n`}
  server {
${server}
  }
}
`;

/** gRPC needs h2 on every listener (prior knowledge in plaintext, ALPN over TLS). */
const listen = (port: number, p: Protocol, ssl = false): string =>
  `    listen 127.0.0.1:${port}${ssl ? ' ssl' : ''}${p === 'grpc' ? ' http2' : ''};`;

const toApp = (p: Protocol, tls: boolean, tlsLines = ''): string =>
  p === 'grpc'
    ? `
    location / {
      grpc_pass ${tls ? 'grpcs' : 'grpc'}://app;
${tlsLines}    }`
    : `
    location / {
      proxy_pass ${tls ? 'https' : 'http'}://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
${tlsLines}    }`;

/** Client-certificate TLS 1.3 to the pair's server end, its name verified (proxy_ssl_* or grpc_ssl_*). */
const upstreamTls = (p: Protocol, c: CertPaths): string => {
  const d = p === 'grpc' ? 'grpc' : 'proxy';
  return `      ${d}_ssl_certificate ${c.clientCert};
      ${d}_ssl_certificate_key ${c.clientKey};
      ${d}_ssl_trusted_certificate ${c.caCert};
      ${d}_ssl_verify on;
      ${d}_ssl_name ${c.serverName};
      ${d}_ssl_protocols TLSv1.3;
      ${d}_ssl_session_reuse on;
`;
};

/**
 * The app behind every proxy: 200 with a 1 KiB body for any HTTP/1.1 request on `port`; on
 * `grpcPort` (h2c) the unary reply from `grpcRoot` for POST GRPC_PATH, with trailer grpc-status 0.
 * nginx's static module refuses POST with 405, which error_page turns into the file itself.
 */
export const upstreamConf = (dir: string, port: number, grpcPort: number, grpcRoot: string): string =>
  frame(
    dir,
    `${listen(port, 'h1')}
    location / { default_type text/plain; return 200 "${BODY}"; }
  }
  server {
${listen(grpcPort, 'grpc')}
    root ${grpcRoot};
    location = ${GRPC_PATH} {
      default_type application/grpc;
      add_trailer grpc-status 0;
      error_page 405 =200 $uri;
    }`,
  );

/** Plain reverse proxy, keep-alive to the upstream: the "hop" shape. */
export const hopConf = (dir: string, port: number, upstreamPort: number, p: Protocol): string =>
  frame(dir, `${listen(port, p)}${toApp(p, false)}`, upstreamPort);

/** Client side of the mTLS pair: plain in, TLS 1.3 with a client certificate out, server name verified. */
export const mtlsClientConf = (
  dir: string,
  port: number,
  serverPort: number,
  c: CertPaths,
  p: Protocol,
): string => frame(dir, `${listen(port, p)}${toApp(p, true, upstreamTls(p, c))}`, serverPort);

/** Server side of the mTLS pair: TLS 1.3 in with a required, verified client certificate. */
export const mtlsServerConf = (
  dir: string,
  port: number,
  upstreamPort: number,
  c: CertPaths,
  p: Protocol,
): string =>
  frame(
    dir,
    `${listen(port, p, true)}
    ssl_certificate ${c.serverCert};
    ssl_certificate_key ${c.serverKey};
    ssl_client_certificate ${c.caCert};
    ssl_verify_client on;
    ssl_protocols TLSv1.3;${toApp(p, false)}`,
    upstreamPort,
  );
