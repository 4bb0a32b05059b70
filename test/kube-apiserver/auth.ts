// Authentication only (there is no authorization): a bearer token (any non-empty one, or exactly
// the configured one) or, over TLS, a client certificate signed by the stand-in's CA. Requests
// with neither get the real server's 401 Status.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { UserInfo } from './rest-context.ts';
import { ApiError } from './status.ts';
import type { TokenRegistry } from './token-review.ts';

export const ADMIN_USER: UserInfo = {
  username: 'weft-test-admin',
  groups: ['system:masters', 'system:authenticated'],
};

const fromCertificate = (req: IncomingMessage): UserInfo | undefined => {
  const socket = req.socket as Partial<TLSSocket>;
  if (!socket.authorized || !socket.getPeerCertificate) return undefined;
  const subject = socket.getPeerCertificate().subject;
  // Node reports a repeated attribute (several O=) as an array.
  const cn: unknown = subject?.CN;
  const org: unknown = subject?.O;
  if (typeof cn !== 'string' || cn === '') return undefined;
  const groups = (Array.isArray(org) ? org : org ? [org] : []).map(String);
  return { username: cn, groups: [...groups, 'system:authenticated'] };
};

export const authenticate = (
  req: IncomingMessage,
  expectedToken: string | undefined,
  tokens: TokenRegistry,
): UserInfo => {
  const header = req.headers.authorization ?? '';
  const bearer = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  if (bearer && (expectedToken === undefined || bearer === expectedToken || tokens.lookup(bearer))) {
    const sa = tokens.lookup(bearer);
    if (!sa) return ADMIN_USER;
    return {
      username: `system:serviceaccount:${sa.namespace}:${sa.serviceAccount}`,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${sa.namespace}`, 'system:authenticated'],
    };
  }
  const certUser = fromCertificate(req);
  if (certUser) return certUser;
  throw new ApiError('Unauthorized', 'Unauthorized');
};
