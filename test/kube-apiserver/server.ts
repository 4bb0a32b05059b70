// startKubeApiServer: a kube-apiserver stand-in that @kubernetes/client-node and kubectl talk to,
// unmodified, over real HTTP(S) on 127.0.0.1:0. This file adds the listener, authentication and
// the non-resource paths to the cluster of cluster.ts; docs/testing-kube-standin.md says what is
// and is not modelled.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';
import { authenticate } from './auth.ts';
import { makeTestCa } from './certs.ts';
import { makeCluster, type ClusterOptions } from './cluster.ts';
import { apiGroupDoc, apiGroupList, apiResourceList, apiVersions, versionInfo } from './discovery.ts';
import { sendError, sendJson } from './http-io.ts';
import { buildKubeConfig, type KubeConfigOptions } from './kubeconfig.ts';
import { openApiV3 } from './openapi.ts';
import { handleResource } from './rest.ts';
import type { RestContext, TokenReviewHandler, UserInfo } from './rest-context.ts';
import type { ResourceRegistry } from './resource-types.ts';
import { parseRoute, type Route } from './routes.ts';
import { ApiError, notFound } from './status.ts';
import type { StoreAccess } from './store-access.ts';
import type { ServiceAccountToken, TokenRegistry } from './token-review.ts';
import type { JsonObject } from './types.ts';

export type { KubeConfigOptions } from './kubeconfig.ts';

export interface KubeApiServerOptions extends ClusterOptions {
  /** Serve HTTPS with a fresh CA (kubeConfig() trusts it); default plain HTTP. */
  readonly tls?: boolean;
  /** Accept only this bearer token (plus registered service-account tokens); default any non-empty one. */
  readonly token?: string;
}

export interface RequestRecord {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly user: string;
}

export interface KubeApiServer {
  readonly url: string;
  /** PEM of the CA that signed the serving certificate (TLS only). */
  readonly caPem: string | undefined;
  kubeConfig(opts?: KubeConfigOptions): KubeConfig;
  readonly store: StoreAccess;
  /** A service-account token: accepted as a bearer token and by the default TokenReview handler. */
  registerToken(token: string, sa: ServiceAccountToken): void;
  setTokenReviewHandler(fn: TokenReviewHandler): void;
  /** Cut all open watch connections abruptly; returns how many there were. */
  dropWatches(): number;
  activeWatches(): number;
  /** Forget the watch history: every earlier resourceVersion now answers 410. */
  compactHistory(): void;
  /** Send a BOOKMARK now on every watch that allows them. */
  sendBookmarks(): void;
  /** Requests served so far (the last 2000), for asserting what clients did. */
  requests(): readonly RequestRecord[];
  close(): Promise<void>;
}

const PUBLIC_ROUTES: ReadonlySet<Route['kind']> = new Set(['health', 'version']);
const DEFAULT_TOKEN = 'weft-test-token';
const ANONYMOUS: UserInfo = { username: 'system:anonymous', groups: ['system:unauthenticated'] };

const serverNotFound = (): ApiError =>
  new ApiError('NotFound', 'the server could not find the requested resource');

const nonResource = (route: Route, registry: ResourceRegistry): JsonObject | undefined => {
  switch (route.kind) {
    case 'root':
      return {
        paths: ['/api', '/api/v1', '/apis', '/healthz', '/livez', '/openapi/v3', '/readyz', '/version'],
      };
    case 'api':
      return apiVersions('127.0.0.1');
    case 'apis':
      return apiGroupList(registry);
    case 'version':
      return versionInfo();
    case 'health':
      return { status: 'ok' };
  }
  const doc =
    route.kind === 'group'
      ? apiGroupDoc(registry, route.group)
      : route.kind === 'groupVersion'
        ? apiResourceList(registry, route.group, route.version)
        : route.kind === 'openapi' && route.version === 'v3' // only v3: kubectl then validates server-side
          ? openApiV3(registry, route.rest)
          : undefined;
  if (!doc && route.kind !== 'resource') {
    throw route.kind === 'unknownResource' ? notFound(route.plural, '', route.group) : serverNotFound();
  }
  return doc;
};

interface Listener {
  readonly ctx: RestContext;
  readonly tokens: TokenRegistry;
  readonly token: string | undefined;
  readonly log: RequestRecord[];
}

const serve = async (l: Listener, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
  const url = new URL(req.url ?? '/', 'http://standin');
  const route = parseRoute(l.ctx.registry, url.pathname);
  let user = ANONYMOUS;
  try {
    if (!PUBLIC_ROUTES.has(route.kind)) user = authenticate(req, l.token, l.tokens);
  } finally {
    l.log.push({ method: req.method ?? 'GET', path: url.pathname, query: url.search, user: user.username });
    if (l.log.length > 2000) l.log.shift();
  }
  const doc = nonResource(route, l.ctx.registry);
  if (doc) return sendJson(res, 200, doc);
  if (route.kind === 'resource')
    await handleResource(l.ctx, { ...route, query: url.searchParams, user }, req, res);
};

export const startKubeApiServer = async (opts: KubeApiServerOptions = {}): Promise<KubeApiServer> => {
  const cluster = makeCluster(opts);
  const { ctx } = cluster;
  const listener: Listener = { ctx, tokens: cluster.tokens, token: opts.token, log: [] };
  const ca = opts.tls ? makeTestCa('weft-kube-standin-ca') : undefined;
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    serve(listener, req, res).catch((e: unknown) => sendError(res, e));
  };
  let server: http.Server;
  if (ca) {
    const serving = ca.issue({
      commonName: 'kube-apiserver',
      dnsNames: ['localhost', 'kubernetes.default.svc'],
      ips: ['127.0.0.1'],
    });
    // Client certificates are optional (token users have none) but verified when presented.
    server = https.createServer(
      { ...serving, ca: ca.cert, requestCert: true, rejectUnauthorized: false },
      handler,
    );
  } else {
    server = http.createServer(handler);
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `${ca ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    caPem: ca?.cert,
    kubeConfig: (k = {}) => buildKubeConfig(url, ca, opts.token ?? DEFAULT_TOKEN, k),
    store: cluster.access,
    registerToken: (token, sa) => cluster.tokens.register(token, sa),
    setTokenReviewHandler: cluster.setTokenReviewHandler,
    dropWatches: () => ctx.watches.dropAll(),
    activeWatches: () => ctx.watches.count(),
    compactHistory: () => ctx.store.compact(),
    sendBookmarks: () => ctx.watches.bookmarkAll(),
    requests: () => [...listener.log],
    close: async () => {
      ctx.watches.endAll();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};
