// One AdmissionReview round trip over HTTPS, verifying the webhook's certificate against
// clientConfig.caBundle (system roots without one) and for the name the real server would dial:
// the URL's host, or `<service>.<namespace>.svc` for a service reference.
import https from 'node:https';
import { isIP } from 'node:net';
import type { Clock } from '../../api/runtime/clock.ts';
import { isJsonObject, type Json, type JsonObject } from './types.ts';

export interface ServiceRef {
  readonly namespace: string;
  readonly name: string;
  readonly port: number;
  readonly path: string;
}

/** Maps a clientConfig.service to where the test's webhook listens (there is no cluster DNS). */
export type ServiceResolver = (svc: ServiceRef) => { host: string; port: number } | undefined;

interface Endpoint {
  readonly host: string;
  readonly port: number;
  readonly path: string;
  readonly servername: string;
}

const endpointOf = (clientConfig: JsonObject, resolve: ServiceResolver | undefined): Endpoint => {
  const url = clientConfig['url'];
  if (typeof url === 'string') {
    const u = new URL(url);
    if (u.protocol !== 'https:') throw new Error(`webhook URL must use https (got ${url})`);
    return {
      host: u.hostname,
      port: Number(u.port || 443),
      path: u.pathname + u.search,
      servername: u.hostname,
    };
  }
  const svc = clientConfig['service'];
  if (!isJsonObject(svc)) throw new Error('clientConfig needs a url or a service');
  const ref: ServiceRef = {
    namespace: String(svc['namespace'] ?? ''),
    name: String(svc['name'] ?? ''),
    port: typeof svc['port'] === 'number' ? svc['port'] : 443,
    path: typeof svc['path'] === 'string' ? svc['path'] : '/',
  };
  const target = resolve?.(ref);
  if (!target)
    throw new Error(`no address for service ${ref.namespace}/${ref.name}:${ref.port} (pass resolveService)`);
  return { ...target, path: ref.path, servername: `${ref.name}.${ref.namespace}.svc` };
};

export interface CallOptions {
  readonly clientConfig: JsonObject;
  readonly timeoutMs: number;
  readonly clock: Clock;
  readonly resolve: ServiceResolver | undefined;
}

/** POST the review; resolves with the parsed response body or rejects with why the call failed. */
export const callWebhook = (review: JsonObject, o: CallOptions): Promise<Json> =>
  new Promise((resolve, reject) => {
    const ep = endpointOf(o.clientConfig, o.resolve);
    const caBundle = o.clientConfig['caBundle'];
    const body = JSON.stringify(review);
    const req = https.request({
      host: ep.host,
      port: ep.port,
      path: ep.path,
      method: 'POST',
      // SNI carries host names only; an IP URL is still verified against the certificate's IP SANs.
      ...(isIP(ep.servername) ? {} : { servername: ep.servername }),
      ...(typeof caBundle === 'string' ? { ca: Buffer.from(caBundle, 'base64').toString('utf8') } : {}),
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      agent: false,
    });
    const timer = o.clock.setTimeout(() => {
      req.destroy(new Error(`context deadline exceeded (timeout ${o.timeoutMs / 1000}s)`));
    }, o.timeoutMs);
    const finish = (fn: () => void): void => {
      o.clock.clearTimeout(timer);
      fn();
    };
    req.on('error', (e) => finish(() => reject(e)));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => finish(() => reject(e)));
      res.on('end', () =>
        finish(() => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 0) >= 300) {
            reject(new Error(`the server responded with HTTP ${res.statusCode}: ${text.slice(0, 200)}`));
            return;
          }
          try {
            resolve(JSON.parse(text) as Json);
          } catch {
            reject(new Error(`the response is not JSON: ${text.slice(0, 200)}`));
          }
        }),
      );
    });
    req.end(body);
  });
