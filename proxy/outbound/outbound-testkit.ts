// Test fixtures for the whole outbound handler in process: a stub transport that answers per
// endpoint and counts what each endpoint received, and a handler rebuilt from snapshots the way
// the runtime does it (same deps, so policy state carries over), on a ManualClock.
import { text } from 'node:stream/consumers';
import { pino } from 'pino';
import type { RetryPolicyView } from '../../api/model/policy.ts';
import type { Endpoint, ProxySnapshot } from '../../api/model/snapshot.ts';
import { ManualClock, seededRandom } from '../../api/runtime/clock.ts';
import type { HopSender } from '../layers/client.ts';
import { loadTracker } from '../layers/balancer.ts';
import { drive } from '../layers/policy-testkit.ts';
import { UNRESOLVED } from '../layers/route-match.ts';
import { proxyMetrics, type ProxyMetrics } from '../metrics/request-metrics.ts';
import { endpointKey } from '../stack/endpoint-health.ts';
import type { CallCtx, Handler, HeaderMap, MeshRequest, MeshResponse } from '../stack/types.ts';
import { policyRegistry, type PolicyRegistry } from './policy-registry.ts';
import { outboundHandler, type OutboundDeps } from './stack.ts';

/** A retry policy for tests: 5xx, no back-off, 64 KiB replay; `over` sets the rest. */
export const retryView = (over: Partial<RetryPolicyView> = {}): RetryPolicyView => ({
  attempts: 1,
  retryOn: ['5xx'],
  backoff: { baseMs: 0, maxMs: 0 },
  budget: { ratio: 0, minPerSecond: 1, windowMs: 10_000 },
  maxReplayBytes: 65_536,
  retryNonIdempotent: false,
  ...over,
});

export type Answer = (req: MeshRequest, endpoint: Endpoint, signal: AbortSignal) => Promise<MeshResponse>;

export interface StubTransport extends HopSender {
  /** Tries each endpoint (`address:port`) received. */
  readonly sent: Map<string, number>;
  count(key: string): number;
  total(): number;
}

export const stubTransport = (answer: Answer): StubTransport => {
  const sent = new Map<string, number>();
  return {
    sent,
    count: (key) => sent.get(key) ?? 0,
    total: () => [...sent.values()].reduce((a, b) => a + b, 0),
    send: (req, endpoint, signal) => {
      const key = endpointKey(endpoint);
      sent.set(key, (sent.get(key) ?? 0) + 1);
      return answer(req, endpoint, signal);
    },
  };
};

export const reply = (status: number, headers: HeaderMap = {}): MeshResponse => ({
  status,
  headers,
  body: null,
});

/** Never answers; rejects with the signal's reason once the try is aborted. */
export const hang: Answer = (_req, _endpoint, signal) =>
  new Promise((_resolve, reject) => {
    if (signal.aborted) reject(signal.reason as unknown);
    signal.addEventListener('abort', () => reject(signal.reason as unknown), { once: true });
  });

export interface Reply {
  readonly status: number;
  readonly headers: HeaderMap;
  readonly body: string;
}

export interface InProcess {
  readonly clock: ManualClock;
  readonly deps: OutboundDeps;
  readonly policies: PolicyRegistry;
  readonly metrics: ProxyMetrics;
  /** Rebuilds the handler for a new snapshot, as the runtime does on every push. */
  apply(snapshot: ProxySnapshot): void;
  /** Sends one request and reads the whole answer (the clock is not moved). */
  call(req?: Partial<MeshRequest>, source?: string): Promise<Reply>;
  /** Same, advancing the clock by stepMs whenever the call is waiting on it. */
  driven(req?: Partial<MeshRequest>, stepMs?: number): Promise<Reply>;
}

export const inProcessOutbound = (
  transport: HopSender,
  opts: { readonly clock?: ManualClock; readonly seed?: number } = {},
): InProcess => {
  const clock = opts.clock ?? new ManualClock();
  const random = seededRandom(opts.seed ?? 42);
  const logger = pino({ level: 'silent' });
  const metrics = proxyMetrics();
  const policies = policyRegistry({ clock, random, registry: metrics.registry, logger });
  const load = loadTracker(clock);
  const deps: OutboundDeps = { transport, clock, random, load, metrics, logger, policies };
  let handler: Handler = outboundHandler(undefined, deps);
  let source: string | undefined;
  const call = async (over: Partial<MeshRequest> = {}, from = source): Promise<Reply> => {
    const req: MeshRequest = {
      protocol: 'http1',
      method: 'GET',
      authority: 'catalog',
      path: '/',
      headers: {},
      body: null,
      ...over,
    };
    const ctx: CallCtx = {
      service: UNRESOLVED,
      tried: new Set(),
      attempt: 0,
      signal: new AbortController().signal,
      notes: [],
      ...(from ? { sourceServiceAccount: from } : {}),
    };
    const res = await handler(req, ctx);
    return { status: res.status, headers: res.headers, body: res.body ? await text(res.body) : '' };
  };
  return {
    clock,
    deps,
    policies,
    metrics,
    apply: (snapshot) => {
      handler = outboundHandler(snapshot, deps);
      source = `${snapshot.workload.namespace}/${snapshot.workload.serviceAccount}`;
    },
    call,
    driven: (req, stepMs = 1) => drive(clock, call(req), stepMs),
  };
};
