// Test fixtures for the policy layers: requests, contexts and stub backends (flaky, down,
// hanging, slow) to compose layers over, plus a driver that advances a ManualClock until a call settles.
import { Readable } from 'node:stream';
import type { ServiceView } from '../../api/model/snapshot.ts';
import type { ManualClock } from '../../api/runtime/clock.ts';
import { MeshError, type MeshErrorCode } from '../stack/errors.ts';
import type { CallCtx, Handler, HeaderMap, MeshRequest, MeshResponse } from '../stack/types.ts';

export const testService: ServiceView = {
  name: 'catalog',
  namespace: 'demo',
  hosts: ['catalog'],
  ports: [{ port: 80, targetPort: 8080, protocol: 'http' }],
  endpoints: [],
};

export const request = (over: Partial<MeshRequest> = {}): MeshRequest => ({
  protocol: 'http1',
  method: 'GET',
  authority: 'catalog',
  path: '/items',
  headers: {},
  body: null,
  ...over,
});

export const callCtx = (over: Partial<CallCtx> = {}): CallCtx => ({
  service: testService,
  tried: new Set(),
  attempt: 0,
  signal: new AbortController().signal,
  notes: [],
  ...over,
});

export const response = (
  status: number,
  headers: HeaderMap = {},
  body: Readable | null = null,
): MeshResponse => ({
  status,
  headers,
  body,
});

export type StubBackend = Handler & { calls: number };

/** Wraps a handler so tests can see how many tries reached the backend. */
export const stub = (h: Handler): StubBackend => {
  const s = Object.assign(
    (req: MeshRequest, ctx: CallCtx) => {
      s.calls++;
      return h(req, ctx);
    },
    { calls: 0 },
  );
  return s;
};

/** Fails with `status` for a `share` of tries (seeded draw), else 200. */
export const flaky = (random: () => number, share: number, status = 503): StubBackend =>
  stub(async () => response(random() < share ? status : 200));

export const down = (code: MeshErrorCode = 'CONNECT_FAILED'): StubBackend =>
  stub(async () => {
    throw new MeshError(code, 'stub backend is down');
  });

/** Never answers; rejects with the signal's reason once ctx.signal aborts. */
export const hanging = (): StubBackend =>
  stub(
    (_req, ctx) =>
      new Promise<MeshResponse>((_resolve, reject) => {
        if (ctx.signal.aborted) reject(ctx.signal.reason as unknown);
        ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as unknown), { once: true });
      }),
  );

/** Reads the whole request body, then answers with `status`; records what it read. */
export const reading = (status: number, seen: Buffer[]): StubBackend =>
  stub(async (req) => {
    const chunks: Buffer[] = [];
    if (req.body) for await (const c of req.body) chunks.push(Buffer.from(c as Buffer));
    seen.push(Buffer.concat(chunks));
    return response(status);
  });

export const bytes = (n: number, seed = 7): Buffer =>
  Buffer.from(Array.from({ length: n }, (_, i) => (i * seed) % 251));

export const bodyOf = (buf: Buffer, chunk = 16 * 1024): Readable =>
  Readable.from(
    Array.from({ length: Math.ceil(buf.length / chunk) }, (_, i) => buf.subarray(i * chunk, (i + 1) * chunk)),
    { objectMode: false },
  );

export const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Advances `clock` by stepMs whenever the call is stuck, until it settles (bounded by maxSteps). */
export const drive = async <T>(
  clock: ManualClock,
  p: Promise<T>,
  stepMs = 1,
  maxSteps = 100_000,
): Promise<T> => {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; i < maxSteps && !done; i++) {
    await flush();
    if (!done) clock.advance(stepMs);
  }
  return p;
};

/** Resolves to the error a promise rejects with (fails the test if it resolves). */
export const rejection = async (p: Promise<unknown>): Promise<unknown> => {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
};
