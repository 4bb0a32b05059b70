// gRPC edge of the CA (weft.identity.v1.Certificates): authenticate the token, then let the CA
// check and sign the CSR. Every refusal becomes one status code (errors.ts) and the server keeps
// serving; nothing a client sends can make a handler throw.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { formatIssues } from '../../api/model/result.ts';
import { certificatesService, type SignRequest, type SignResponse } from '../../api/proto/identity.ts';
import type { CertificateAuthority } from './ca.ts';
import { IDENTITY_ERRORS } from '../../api/model/errors.ts';
import { failure, type IdentityFailure } from './errors.ts';
import type { TokenValidator } from './token-validator.ts';

const SIGN_REQUESTS = {
  name: 'weft_identity_sign_requests_total',
  help: 'Certificate signing requests handled by the CA, by result (ok or an identity error code)',
  labelNames: ['result'] as const,
};

export interface IdentityServiceOptions {
  readonly logger?: Logger;
  readonly registry?: Registry;
}

const signCounter = (registry: Registry | undefined): Counter<'result'> | undefined => {
  if (!registry) return undefined;
  const existing = registry.getSingleMetric(SIGN_REQUESTS.name);
  return (
    (existing as Counter<'result'> | undefined) ?? new Counter({ ...SIGN_REQUESTS, registers: [registry] })
  );
};

type Outcome = { ok: true; value: SignResponse } | { ok: false; error: IdentityFailure };

const handle = async (
  req: SignRequest,
  ca: CertificateAuthority,
  tokens: TokenValidator,
): Promise<Outcome> => {
  const subject = await tokens.validate(typeof req.token === 'string' ? req.token : '');
  if (!subject.ok) return { ok: false, error: failure('TOKEN_INVALID', formatIssues(subject.error)) };
  const issued = await ca.sign(typeof req.csr_pem === 'string' ? req.csr_pem : '', subject.value);
  if (!issued.ok) return issued;
  return {
    ok: true,
    value: {
      cert_chain_pem: issued.value.certChainPem,
      trust_bundle_pem: issued.value.trustBundlePem,
      not_after: issued.value.notAfterMs,
    },
  };
};

/** Adds the Certificates service to a server the control-plane runtime owns (and binds). */
export const registerIdentityService = (
  server: grpc.Server,
  ca: CertificateAuthority,
  tokenValidator: TokenValidator,
  options: IdentityServiceOptions = {},
): void => {
  const log = options.logger?.child({ component: 'control-plane.identity.service' });
  const counter = signCounter(options.registry);
  const sign: grpc.handleUnaryCall<SignRequest, SignResponse> = (call, callback) => {
    handle(call.request, ca, tokenValidator)
      .catch((e: unknown): Outcome => {
        log?.error({ err: e }, 'sign handler failed');
        return { ok: false, error: failure('CA_INTERNAL', 'internal error while signing') };
      })
      .then((outcome) => {
        counter?.inc({ result: outcome.ok ? 'ok' : outcome.error.code });
        if (outcome.ok) return callback(null, outcome.value);
        // Refusals are expected (misconfigured workloads, attackers): log at info, not error.
        log?.info({ code: outcome.error.code, peer: call.getPeer() }, outcome.error.message);
        callback({
          code: IDENTITY_ERRORS[outcome.error.code].grpc,
          details: `${outcome.error.code}: ${outcome.error.message}`,
        });
      });
  };
  server.addService(certificatesService(), { Sign: sign });
};
