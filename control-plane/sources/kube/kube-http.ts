// The one way control-plane/kube code talks to the API server outside informers: a JSON request
// through the KubeConfig's credentials and TLS settings. Plain JSON on purpose: client-node's
// typed clients turn timestamps into Date objects and fill absent fields with undefined, which
// the strict zod schemas (api/schema) and the Lease's microsecond times must not see.
import { HttpMethod, RequestContext, type KubeConfig } from '@kubernetes/client-node';
import { fetch } from 'undici';

/** A failed API call: `code` is the HTTP status, `reason` the Status reason (NotFound, Conflict…). */
export class KubeApiError extends Error {
  readonly code: number;
  readonly reason: string;
  constructor(code: number, reason: string, message: string) {
    super(message);
    this.name = 'KubeApiError';
    this.code = code;
    this.reason = reason;
  }
}

export type JsonObject = Record<string, unknown>;

export interface KubeRequest {
  readonly method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path and query, e.g. /api/v1/namespaces/weft-system/secrets/weft-ca. */
  readonly path: string;
  readonly body?: unknown;
  /** For PATCH; default application/merge-patch+json. */
  readonly contentType?: string;
}

export type KubeHttp = <T extends JsonObject = JsonObject>(req: KubeRequest) => Promise<T>;

const METHODS: Readonly<Record<NonNullable<KubeRequest['method']>, HttpMethod>> = {
  GET: HttpMethod.GET,
  POST: HttpMethod.POST,
  PUT: HttpMethod.PUT,
  PATCH: HttpMethod.PATCH,
  DELETE: HttpMethod.DELETE,
};

const statusError = (status: number, text: string, what: string): KubeApiError => {
  let body: { reason?: unknown; message?: unknown } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // not a Status object (a proxy in between, an HTML error page): keep the raw text
  }
  const reason = typeof body.reason === 'string' ? body.reason : `HTTP${status}`;
  const message = typeof body.message === 'string' ? body.message : text.slice(0, 200);
  return new KubeApiError(status, reason, `${what}: ${status} ${reason}: ${message}`);
};

export const kubeHttp =
  (kc: KubeConfig): KubeHttp =>
  async <T extends JsonObject>(req: KubeRequest): Promise<T> => {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new KubeApiError(0, 'NoCluster', 'the kubeconfig has no current cluster');
    const method = req.method ?? 'GET';
    const ctx = new RequestContext(`${cluster.server}${req.path}`, METHODS[method]);
    await kc.applySecurityAuthentication(ctx);
    const headers: Record<string, string> = { ...ctx.getHeaders(), accept: 'application/json' };
    if (req.body !== undefined)
      headers['content-type'] =
        req.contentType ?? (method === 'PATCH' ? 'application/merge-patch+json' : 'application/json');
    const dispatcher = ctx.getDispatcher();
    const res = await fetch(ctx.getUrl(), {
      method,
      headers,
      ...(dispatcher ? { dispatcher } : {}),
      ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
    });
    const text = await res.text();
    if (res.status >= 300) throw statusError(res.status, text, `${method} ${req.path}`);
    return (text ? JSON.parse(text) : {}) as T;
  };

export const isKubeError = (e: unknown, code: number): boolean =>
  e instanceof KubeApiError ? e.code === code : (e as { code?: unknown } | null)?.code === code;
