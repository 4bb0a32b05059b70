// Tokens for local mode (`weft dev`): the control plane holds an HMAC-SHA256 key, hands each
// workload a token naming its namespace/service account, and the CA verifies it on every CSR.
// Format: weft1.<base64url(JSON claims)>.<base64url(HMAC over "weft1.<claims>")>.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { err, ok, type ConfigIssue, type Result } from '../../api/model/result.ts';
import type { Clock } from '../../api/runtime/clock.ts';
import type { TokenSubject, TokenValidator } from './token-validator.ts';

const PREFIX = 'weft1';
export const LOCAL_TOKEN_AUDIENCE = 'weft';
const MAX_TOKEN_CHARS = 4096;

interface Claims {
  readonly ns: string;
  readonly sa: string;
  readonly aud: string;
  /** Issued at / expires, epoch seconds. */
  readonly iat: number;
  readonly exp: number;
}

export interface LocalTokenOptions {
  readonly key: Uint8Array;
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly clock: Pick<Clock, 'wallNow'>;
  /** Default 24 h: local mode restarts often; long enough for one dev session. */
  readonly ttlMs?: number;
}

/** A fresh 256-bit HMAC key; keep it in the control plane's memory only. */
export const generateLocalTokenKey = (): Uint8Array => randomBytes(32);

const mac = (key: Uint8Array, data: string): Buffer => createHmac('sha256', key).update(data).digest();

export const issueLocalToken = (o: LocalTokenOptions): string => {
  const iat = Math.floor(o.clock.wallNow() / 1000);
  const claims: Claims = {
    ns: o.namespace,
    sa: o.serviceAccount,
    aud: LOCAL_TOKEN_AUDIENCE,
    iat,
    exp: iat + Math.ceil((o.ttlMs ?? 86_400_000) / 1000),
  };
  const body = `${PREFIX}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${body}.${mac(o.key, body).toString('base64url')}`;
};

const issue = (message: string): Result<never> => err([{ path: 'token', message }]);

const claimIssues = (c: Partial<Claims>, nowSec: number): ConfigIssue[] => {
  const issues: string[] = [];
  if (typeof c.ns !== 'string' || c.ns === '') issues.push('claim "ns" (namespace) is missing');
  if (typeof c.sa !== 'string' || c.sa === '') issues.push('claim "sa" (service account) is missing');
  if (c.aud !== LOCAL_TOKEN_AUDIENCE) issues.push(`audience must be "${LOCAL_TOKEN_AUDIENCE}"`);
  if (typeof c.exp !== 'number' || c.exp <= nowSec)
    issues.push('token has expired; restart the workload to get a new one');
  return issues.map((message) => ({ path: 'token', message }));
};

const parseClaims = (encoded: string): Partial<Claims> | undefined => {
  try {
    const value: unknown = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Partial<Claims>) : undefined;
  } catch {
    return undefined;
  }
};

export const createLocalTokenValidator = (o: {
  readonly key: Uint8Array;
  readonly clock: Pick<Clock, 'wallNow'>;
}): TokenValidator => ({
  validate: async (token: string): Promise<Result<TokenSubject>> => {
    if (token.length === 0) return issue('no token presented; send the workload service-account token');
    const parts = token.length <= MAX_TOKEN_CHARS ? token.split('.') : [];
    if (parts.length !== 3 || parts[0] !== PREFIX)
      return issue('not a weft local token (weft1.<claims>.<mac>)');
    const [, encoded = '', sig = ''] = parts;
    const expected = mac(o.key, `${PREFIX}.${encoded}`);
    const given = Buffer.from(sig, 'base64url');
    // Constant-time compare so the MAC cannot be guessed byte by byte.
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return issue('signature does not verify: token was not issued by this control plane');
    const claims = parseClaims(encoded);
    if (!claims) return issue('claims are not valid JSON');
    const issues = claimIssues(claims, Math.floor(o.clock.wallNow() / 1000));
    if (issues.length > 0) return err(issues);
    return ok({ namespace: claims.ns as string, serviceAccount: claims.sa as string });
  },
});
