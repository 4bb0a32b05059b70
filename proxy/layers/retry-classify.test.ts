import { describe, expect, it } from 'vitest';
import type { RetryOn } from '../../api/model/policy.ts';
import type { MeshErrorCode } from '../stack/errors.ts';
import {
  classify,
  requestTraits,
  type ClassifyPolicy,
  type TryResult,
  type Verdict,
} from './retry-classify.ts';

const policy = (retryOn: RetryOn[], extra: Partial<ClassifyPolicy> = {}): ClassifyPolicy => ({
  retryOn,
  retryNonIdempotent: false,
  ...extra,
});
const status = (s: number, headers: Record<string, string> = {}): TryResult => ({
  kind: 'response',
  status: s,
  headers,
});
const error = (code?: MeshErrorCode): TryResult => ({ kind: 'error', code });
const GET = { method: 'GET', grpc: false };
const POST = { method: 'POST', grpc: false };
const GRPC = { method: 'POST', grpc: true };
const grpc = (code: string): TryResult =>
  status(200, { 'grpc-status': code, 'content-type': 'application/grpc' });

describe('classify', () => {
  it.each<[string, TryResult, RetryOn[], typeof GET, Verdict]>([
    ['200 is success', status(200), ['5xx'], GET, 'success'],
    ['404 is success (not a failure)', status(404), ['5xx'], GET, 'success'],
    ['503 on 5xx', status(503), ['5xx'], GET, 'retryable'],
    ['500 on 5xx', status(500), ['5xx'], GET, 'retryable'],
    ['500 not a gateway error', status(500), ['gateway-error'], GET, 'fatal'],
    ['502 gateway error', status(502), ['gateway-error'], GET, 'retryable'],
    ['504 gateway error', status(504), ['gateway-error'], GET, 'retryable'],
    ['503 without retryOn match', status(503), ['connect-failure'], GET, 'fatal'],
    ['POST 503 not retried', status(503), ['5xx'], POST, 'fatal'],
    ['PUT is idempotent', status(503), ['5xx'], { method: 'PUT', grpc: false }, 'retryable'],
    ['PATCH is not', status(503), ['5xx'], { method: 'PATCH', grpc: false }, 'fatal'],
    ['connect failure on connect-failure', error('CONNECT_FAILED'), ['connect-failure'], GET, 'retryable'],
    ['connect failure on 5xx', error('CONNECT_FAILED'), ['5xx'], GET, 'retryable'],
    ['POST connect failure (never sent)', error('CONNECT_FAILED'), ['connect-failure'], POST, 'retryable'],
    ['POST refused stream (never sent)', error('REFUSED_STREAM'), ['refused-stream'], POST, 'retryable'],
    ['refused stream on reset', error('REFUSED_STREAM'), ['reset'], GET, 'retryable'],
    ['reset on reset', error('UPSTREAM_RESET'), ['reset'], GET, 'retryable'],
    ['reset on gateway-error', error('UPSTREAM_RESET'), ['gateway-error'], GET, 'retryable'],
    ['reset not on connect-failure', error('UPSTREAM_RESET'), ['connect-failure'], GET, 'fatal'],
    ['POST reset not retried', error('UPSTREAM_RESET'), ['reset'], POST, 'fatal'],
    ['per-try timeout needs no retryOn', error('PER_TRY_TIMEOUT'), ['connect-failure'], GET, 'retryable'],
    ['POST per-try timeout not retried', error('PER_TRY_TIMEOUT'), ['5xx'], POST, 'fatal'],
    ['request timeout is final', error('REQUEST_TIMEOUT'), ['5xx', 'reset'], GET, 'fatal'],
    ['circuit open is final', error('CIRCUIT_OPEN'), ['5xx', 'reset'], GET, 'fatal'],
    ['unknown error is final', error(), ['5xx'], GET, 'fatal'],
    ['grpc unavailable (trailers-only)', grpc('14'), ['unavailable'], GRPC, 'retryable'],
    ['grpc cancelled', grpc('1'), ['cancelled'], GRPC, 'retryable'],
    ['grpc deadline-exceeded', grpc('4'), ['deadline-exceeded'], GRPC, 'retryable'],
    ['grpc resource-exhausted', grpc('8'), ['resource-exhausted'], GRPC, 'retryable'],
    ['grpc internal', grpc('13'), ['internal'], GRPC, 'retryable'],
    ['grpc unavailable not listed', grpc('14'), ['internal'], GRPC, 'fatal'],
    ['grpc not-found is a failure, not retried', grpc('5'), ['unavailable'], GRPC, 'fatal'],
    ['grpc ok', grpc('0'), ['unavailable'], GRPC, 'success'],
    ['grpc 503 over HTTP needs retryNonIdempotent', status(503), ['5xx'], GRPC, 'fatal'],
  ])('%s', (_name, result, retryOn, traits, want) => {
    expect(classify(result, policy(retryOn), traits)).toBe(want);
  });

  it.each<[number, number[], Verdict]>([
    [409, [409], 'retryable'],
    [429, [409, 429], 'retryable'],
    [409, [429], 'success'],
    [503, [409], 'fatal'],
  ])('status %i with retriable-status-codes %j → %s', (s, codes, want) => {
    expect(
      classify(status(s), policy(['retriable-status-codes'], { retriableStatusCodes: codes }), GET),
    ).toBe(want);
  });

  it.each<[TryResult, Verdict]>([
    [status(503), 'retryable'],
    [error('UPSTREAM_RESET'), 'retryable'],
    [error('PER_TRY_TIMEOUT'), 'retryable'],
  ])('retryNonIdempotent lets POST retry %j', (result, want) => {
    expect(classify(result, policy(['5xx'], { retryNonIdempotent: true }), POST)).toBe(want);
  });

  it('recognises gRPC requests by content-type', () => {
    expect(requestTraits({ method: 'post', headers: { 'content-type': 'application/grpc+proto' } })).toEqual(
      GRPC,
    );
    expect(requestTraits({ method: 'get', headers: {} })).toEqual(GET);
  });
});
