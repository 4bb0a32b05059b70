// nginx configuration text for the upstream app (1 KiB body) and for nginx as a peer proxy
// (plain hop, and both ends of an mTLS pair). One worker, no access log, keep-alive everywhere.
import type { CertPaths } from '../lib/certs.ts';

export const BODY_BYTES = 1024;
const BODY = 'x'.repeat(BODY_BYTES - 1) + '\n';

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

const proxyToApp = (scheme: 'http' | 'https', tlsLines = ''): string => `
    location / {
      proxy_pass ${scheme}://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
${tlsLines}    }`;

const answer = `location / { default_type text/plain; return 200 "${BODY}"; }`;

/**
 * The app behind every proxy: answers every request with 200 and a 1 KiB body, on `port` in
 * HTTP/1.1 and on `h2Port` in h2c (prior knowledge).
 */
export const upstreamConf = (dir: string, port: number, h2Port: number): string =>
  frame(
    dir,
    `    listen 127.0.0.1:${port};
    ${answer}
  }
  server {
    listen 127.0.0.1:${h2Port} http2;
    ${answer}`,
  );

/** Plain reverse proxy, keep-alive to the upstream: the "hop" shape, and the client end of no pair. */
export const hopConf = (dir: string, port: number, upstreamPort: number): string =>
  frame(dir, `    listen 127.0.0.1:${port};${proxyToApp('http')}`, upstreamPort);

/** Client side of the mTLS pair: plain in, TLS 1.3 with a client certificate out, server name verified. */
export const mtlsClientConf = (dir: string, port: number, serverPort: number, c: CertPaths): string =>
  frame(
    dir,
    `    listen 127.0.0.1:${port};${proxyToApp(
      'https',
      `      proxy_ssl_certificate ${c.clientCert};
      proxy_ssl_certificate_key ${c.clientKey};
      proxy_ssl_trusted_certificate ${c.caCert};
      proxy_ssl_verify on;
      proxy_ssl_name ${c.serverName};
      proxy_ssl_protocols TLSv1.3;
      proxy_ssl_session_reuse on;
`,
    )}`,
    serverPort,
  );

/** Server side of the mTLS pair: TLS 1.3 in with a required, verified client certificate. */
export const mtlsServerConf = (dir: string, port: number, upstreamPort: number, c: CertPaths): string =>
  frame(
    dir,
    `    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${c.serverCert};
    ssl_certificate_key ${c.serverKey};
    ssl_client_certificate ${c.caCert};
    ssl_verify_client on;
    ssl_protocols TLSv1.3;${proxyToApp('http')}`,
    upstreamPort,
  );
