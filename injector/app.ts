// The injector webhook: a thin fastify adapter over inject/admission.ts. POST /inject answers
// AdmissionReviews over HTTPS; transport-level problems (too large, not JSON, not a review) get a
// coded 4xx and the server keeps serving. The control plane can host it, or it runs on its own.
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { Counter, Histogram, Registry } from 'prom-client';
import { errorAnswer, type InjectorErrorBody } from './errors.ts';
import { answerReview } from './inject/admission.ts';
import { DEFAULT_VALUES, type InjectValues } from './inject/values.ts';
import { WEBHOOK_PATH } from './inject/webhook-config.ts';

/** Kubernetes caps a request at 3 MiB; anything larger is not a real AdmissionReview. */
export const DEFAULT_BODY_LIMIT = 3 * 1024 * 1024;

export interface InjectorAppOptions {
  readonly values?: InjectValues;
  readonly logger?: Logger;
  readonly registry?: Registry;
  readonly bodyLimit?: number;
  /** Serving certificate and key (PEM); without them the app speaks plain HTTP (tests only). */
  readonly tls?: { readonly cert: string; readonly key: string };
}

/** The webhook's metrics; also used where the control plane hosts /inject itself. */
export const injectorMetrics = (registry: Registry) => ({
  reviews: new Counter({
    name: 'weft_injector_reviews_total',
    help: 'AdmissionReviews answered, by outcome (injected, skipped, ignored, denied, invalid, error)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  }),
  duration: new Histogram({
    name: 'weft_injector_review_duration_seconds',
    help: 'Time to answer one AdmissionReview, body parsed to reply serialized',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1],
    registers: [registry],
  }),
});

/** fastify's own errors (body limit, content type, JSON syntax) as the injector's coded errors. */
const classify = (e: FastifyError, bodyLimit: number): { status: number; body: InjectorErrorBody } => {
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return errorAnswer('INJECT_BODY_TOO_LARGE', `the limit is ${bodyLimit} bytes`);
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return errorAnswer('INJECT_BAD_CONTENT_TYPE');
  if ((e.statusCode ?? 500) < 500) return errorAnswer('INJECT_BAD_REVIEW', e.message);
  return errorAnswer('INJECT_INTERNAL');
};

export const buildInjectorApp = (o: InjectorAppOptions = {}): FastifyInstance => {
  const values = o.values ?? DEFAULT_VALUES;
  const log = (o.logger ?? pino({ level: 'silent' })).child({ component: 'injector.webhook' });
  const metrics = injectorMetrics(o.registry ?? new Registry());
  const bodyLimit = o.bodyLimit ?? DEFAULT_BODY_LIMIT;
  // fastify's own request logger stays off: the handler logs through the injected pino child.
  const app = Fastify({
    bodyLimit,
    ...(o.tls ? { https: { cert: o.tls.cert, key: o.tls.key } } : {}),
  }) as unknown as FastifyInstance;

  app.post(WEBHOOK_PATH, async (req, reply) => {
    const stop = metrics.duration.startTimer();
    const answer = answerReview(req.body, values);
    metrics.reviews.inc({ outcome: answer.outcome });
    log.debug({ outcome: answer.outcome, detail: answer.detail }, 'admission review');
    if (answer.outcome === 'denied') log.info({ detail: answer.detail }, 'pod denied: bad annotations');
    const sent = reply.code(answer.status).send(answer.body);
    stop();
    return sent;
  });
  app.get('/healthz', async () => 'ok');
  app.get('/readyz', async () => 'ok');
  app.setNotFoundHandler((req, reply) => {
    const { status, body } = errorAnswer('INJECT_NOT_FOUND', `${req.method} ${req.url}`);
    void reply.code(status).send(body);
  });
  app.setErrorHandler((e: FastifyError, _req, reply) => {
    const { status, body } = classify(e, bodyLimit);
    metrics.reviews.inc({ outcome: status >= 500 ? 'error' : 'invalid' });
    if (status >= 500) log.error({ err: e }, 'injector bug');
    else log.debug({ code: body.code }, 'rejected request');
    void reply.code(status).send(body);
  });
  return app;
};

export interface InjectorWebhookOptions extends InjectorAppOptions {
  readonly tls: { readonly cert: string; readonly key: string };
  /** Default 15017; 0 picks a free port. */
  readonly port?: number;
  /** Default 0.0.0.0: the API server dials the pod IP. */
  readonly host?: string;
}

export interface InjectorWebhook {
  /** "host:port" actually bound. */
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

export const startInjectorWebhook = async (o: InjectorWebhookOptions): Promise<InjectorWebhook> => {
  const app = buildInjectorApp(o);
  await app.listen({ port: o.port ?? 15017, host: o.host ?? '0.0.0.0' });
  const addr = app.server.address() as AddressInfo;
  o.logger?.child({ component: 'injector.webhook' }).info({ port: addr.port }, 'injector webhook listening');
  return {
    address: `${addr.address}:${addr.port}`,
    port: addr.port,
    close: () => app.close(),
  };
};
