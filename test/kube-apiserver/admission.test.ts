// Mutating admission end to end: the stand-in POSTs AdmissionReviews over HTTPS to a tiny webhook
// (certificate made with openssl here), verifies it against caBundle and applies its JSONPatch.
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../api/runtime/clock.ts';
import { makeTestCa, opensslAvailable, type TestCa } from './certs.ts';
import { startKubeApiServer, type KubeApiServer } from './server.ts';
import type { JsonObject } from './types.ts';
import { waitFor } from './wait-for.ts';

interface Review {
  request: { uid: string; operation: string; namespace: string; object: V1Pod; kind: { kind: string } };
}

type Answer = (r: Review) => JsonObject | undefined; // undefined: never answer

const SIDECAR_PATCH = [
  { op: 'add', path: '/spec/containers/-', value: { name: 'weft-proxy', image: 'weft/proxy:dev' } },
  { op: 'add', path: '/metadata/labels/weft.dev~1injected', value: 'true' },
];

const allow = (uid: string, patch?: unknown[]): JsonObject => ({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  response: {
    uid,
    allowed: true,
    ...(patch
      ? { patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64') }
      : {}),
  },
});

/** A webhook on 127.0.0.1:0 whose answer each test sets; it records every review it gets. */
const startWebhook = async (ca: TestCa) => {
  const leaf = ca.issue({
    commonName: 'injector',
    dnsNames: ['injector.weft-system.svc'],
    ips: ['127.0.0.1'],
  });
  const reviews: Review[] = [];
  let answer: Answer = (r) => allow(r.request.uid, SIDECAR_PATCH);
  const server = https.createServer(leaf, (req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const review = JSON.parse(body) as Review;
      reviews.push(review);
      const out = answer(review);
      if (out) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    reviews,
    answer: (a: Answer) => (answer = a),
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
};

const pod = (name: string, labels: Record<string, string> = {}): V1Pod => ({
  metadata: { name, labels },
  spec: { containers: [{ name: 'app', image: 'example/app:1' }] },
});

describe.skipIf(!opensslAvailable())('mutating admission webhooks', () => {
  let ca: TestCa;
  let webhook: Awaited<ReturnType<typeof startWebhook>>;
  let clock: ManualClock;
  let server: KubeApiServer;
  let core: CoreV1Api;

  const configure = (name: string, hook: JsonObject) =>
    server.store.seed({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name },
      webhooks: [
        {
          name: `${name}.weft.dev`,
          admissionReviewVersions: ['v1'],
          sideEffects: 'None',
          rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
          clientConfig: {
            url: `https://127.0.0.1:${webhook.port}/mutate`,
            caBundle: Buffer.from(ca.cert).toString('base64'),
          },
          ...hook,
        },
      ],
    });
  const unconfigure = (name: string) =>
    server.store.delete({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      name,
    });
  const createStatus = async (ns: string, p: V1Pod) =>
    core.createNamespacedPod({ namespace: ns, body: p }).then(
      () => ({ code: 201, message: '' }),
      (e: { code: number; body: string }) => ({
        code: e.code,
        message: (JSON.parse(e.body) as { message: string }).message,
      }),
    );

  beforeAll(async () => {
    ca = makeTestCa();
    webhook = await startWebhook(ca);
    clock = new ManualClock(Date.now());
    server = await startKubeApiServer({
      clock,
      resolveService: (svc) =>
        svc.name === 'injector' ? { host: '127.0.0.1', port: webhook.port } : undefined,
    });
    core = server.kubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespace({
      body: { metadata: { name: 'meshed', labels: { 'weft.dev/inject': 'enabled' } } },
    });
    await core.createNamespace({ body: { metadata: { name: 'plain' } } });
  });
  afterAll(async () => {
    await server.close();
    await webhook.close();
  });

  it('mutates pods in selected namespaces with the returned JSONPatch, and skips the others', async () => {
    configure('inject', {
      namespaceSelector: { matchLabels: { 'weft.dev/inject': 'enabled' } },
      objectSelector: { matchExpressions: [{ key: 'weft.dev/skip', operator: 'DoesNotExist' }] },
    });
    const injected = await core.createNamespacedPod({ namespace: 'meshed', body: pod('a', { app: 'a' }) });
    expect(injected.spec?.containers.map((c) => c.name)).toEqual(['app', 'weft-proxy']);
    expect(injected.metadata?.labels).toEqual({ app: 'a', 'weft.dev/injected': 'true' });
    expect(webhook.reviews).toHaveLength(1);
    expect(webhook.reviews[0]?.request).toMatchObject({
      operation: 'CREATE',
      namespace: 'meshed',
      kind: { kind: 'Pod' },
      object: { metadata: { name: 'a' } },
    });

    const plain = await core.createNamespacedPod({ namespace: 'plain', body: pod('b') });
    const skipped = await core.createNamespacedPod({
      namespace: 'meshed',
      body: pod('c', { 'weft.dev/skip': 'true' }),
    });
    expect(plain.spec?.containers).toHaveLength(1);
    expect(skipped.spec?.containers).toHaveLength(1);
    expect(webhook.reviews).toHaveLength(1); // neither was sent to the webhook
    unconfigure('inject');
  });

  it('rejects the create when the webhook denies it, with its message', async () => {
    configure('deny', {});
    webhook.answer((r) => ({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: r.request.uid, allowed: false, status: { code: 403, message: 'no sidecar for you' } },
    }));
    expect(await createStatus('plain', pod('denied'))).toEqual({
      code: 403,
      message: 'admission webhook "deny.weft.dev" denied the request: no sidecar for you',
    });
    webhook.answer((r) => allow(r.request.uid, SIDECAR_PATCH));
    unconfigure('deny');
  });

  it('honours failurePolicy when the webhook is down: Fail rejects, Ignore admits unchanged', async () => {
    const down = {
      clientConfig: { url: 'https://127.0.0.1:1/mutate', caBundle: Buffer.from(ca.cert).toString('base64') },
    };
    configure('down', { ...down, failurePolicy: 'Fail' });
    const failed = await createStatus('plain', pod('fail-closed'));
    expect(failed.code).toBe(500);
    expect(failed.message).toMatch(
      /^Internal error occurred: failed calling webhook "down.weft.dev": .*ECONNREFUSED/,
    );
    configure('down', { ...down, failurePolicy: 'Ignore' });
    expect(await createStatus('plain', pod('fail-open'))).toEqual({ code: 201, message: '' });
    unconfigure('down');
  });

  it('verifies the webhook certificate against caBundle', async () => {
    const otherCa = makeTestCa('someone-else');
    configure('untrusted', {
      clientConfig: {
        url: `https://127.0.0.1:${webhook.port}/`,
        caBundle: Buffer.from(otherCa.cert).toString('base64'),
      },
    });
    const before = webhook.reviews.length;
    const res = await createStatus('plain', pod('untrusted'));
    expect(res.code).toBe(500);
    expect(res.message).toMatch(/certificate/);
    expect(webhook.reviews.length).toBe(before);
    unconfigure('untrusted');
  });

  it('reaches a service reference through resolveService, checking the <svc>.<ns>.svc name', async () => {
    configure('svc', {
      clientConfig: {
        service: { namespace: 'weft-system', name: 'injector', path: '/mutate', port: 443 },
        caBundle: Buffer.from(ca.cert).toString('base64'),
      },
    });
    const p = await core.createNamespacedPod({ namespace: 'plain', body: pod('via-svc') });
    expect(p.spec?.containers.map((c) => c.name)).toEqual(['app', 'weft-proxy']);
    unconfigure('svc');
  });

  it('times out a silent webhook on the injected clock and applies failurePolicy Ignore', async () => {
    configure('slow', { timeoutSeconds: 2, failurePolicy: 'Ignore' });
    webhook.answer(() => undefined);
    const before = webhook.reviews.length;
    const created = core.createNamespacedPod({ namespace: 'plain', body: pod('slow') });
    await waitFor(() => webhook.reviews.length === before + 1, 'the review to reach the webhook');
    clock.advance(1999);
    clock.advance(1);
    expect((await created).spec?.containers).toHaveLength(1);
    webhook.answer((r) => allow(r.request.uid, SIDECAR_PATCH));
    unconfigure('slow');
  });
});
