// The control plane's HTTPS webhook listener (port 15017): the API server calls POST /convert for
// CRD version conversion. Routes are registered by path, so the injector's admission handler can
// join the same listener. Plain node:https: JSON in, JSON out, bounded body size.
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';

/** A parsed JSON request body → the HTTP status and JSON body to answer with. */
export type WebhookHandler = (body: unknown) => { readonly status: number; readonly body: unknown };

export interface WebhookServerOptions {
  readonly host: string;
  readonly port: number;
  readonly certPem: string;
  readonly keyPem: string;
  readonly routes: Readonly<Record<string, WebhookHandler>>;
  readonly logger: Logger;
}

export interface WebhookServer {
  readonly address: string;
  close(): Promise<void>;
}

const MAX_BODY = 8 * 1024 * 1024; // the API server sends at most a few MB per review

export const startWebhookServer = async (o: WebhookServerOptions): Promise<WebhookServer> => {
  const log = o.logger.child({ component: 'control-plane.kube.webhook' });
  const server: Server = createServer({ cert: o.certPem, key: o.keyPem }, (req, res) => {
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const handler = o.routes[(req.url ?? '/').split('?')[0] ?? '/'];
    if (!handler) return send(404, { message: `no webhook here; try ${Object.keys(o.routes).join(', ')}` });
    if (req.method !== 'POST') return send(405, { message: 'webhooks take POST' });
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      try {
        const out = handler(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        send(out.status, out.body);
      } catch (e) {
        log.warn({ err: e, path: req.url }, 'bad webhook request');
        send(400, { message: `request body is not a review: ${(e as Error).message}` });
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    address: `${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
