// Keeps a running CA in step with its CA Secret (Kubernetes mode): polls the Secret and, when its
// signer changed (an operator stored a new root or intermediate, or another replica re-created the
// Secret), signs with the new one at once while the replaced root stays in the trust bundle for
// `retiredTrustMs` (by default until every certificate it signed has expired); the first read
// after that drops it. An unusable or missing Secret is logged and the CA keeps its last good
// authorities.
import type { Logger } from 'pino';
import { formatIssues, ok, type Result } from '../../api/model/result.ts';
import type { Clock, TimerHandle } from '../../api/runtime/clock.ts';
import { isKubeError, type KubeHttp } from '../sources/kube/kube-http.ts';
import type { Authority } from './authority.ts';
import type { CaAuthorities, CertificateAuthority } from './ca.ts';
import { authoritiesFromSecret, type SecretShape } from './ca-secret.ts';

export interface CaSecretWatchOptions {
  readonly http: KubeHttp;
  readonly namespace: string;
  readonly name: string;
  readonly ca: CertificateAuthority;
  /** What the CA was created with (ensureCaSecret's result). */
  readonly initial: CaAuthorities;
  /** How long a replaced signer's root stays trusted. */
  readonly retiredTrustMs: number;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Between reads of the Secret (default 10 s). */
  readonly intervalMs?: number;
  /** After every change of the CA's authorities (new signer, retired root dropped). */
  readonly onUpdate: () => void;
}

export interface CaSecretWatch {
  /** Read the Secret now and drop retired roots whose time is up; true when the CA changed. */
  check(): Promise<Result<boolean>>;
  close(): void;
}

interface Retired {
  readonly authority: Authority;
  readonly untilMs: number;
}

const sameCert = (a: Authority, b: Authority): boolean =>
  Buffer.from(a.cert.rawData).equals(Buffer.from(b.cert.rawData));

export const watchCaSecret = (o: CaSecretWatchOptions): CaSecretWatch => {
  const where = `${o.namespace}/${o.name}`;
  const log = o.logger.child({ component: 'control-plane.identity.ca-secret', secret: where });
  let current = o.initial;
  let retired: Retired[] = [];
  let lastData: string | undefined;
  let missing = false;
  let poll: TimerHandle | undefined;
  let closed = false;

  const apply = async (): Promise<void> => {
    const trusted = [...(current.trusted ?? []), ...retired.map((r) => r.authority)];
    await o.ca.update({ active: current.active, trusted });
    o.onUpdate();
  };

  /** Drops retired roots whose time is up; true when one was dropped. */
  const expire = async (): Promise<boolean> => {
    const now = o.clock.wallNow();
    const kept = retired.filter((r) => r.untilMs > now);
    if (kept.length === retired.length) return false;
    for (const r of retired.filter((x) => !kept.includes(x)))
      log.info({ authority: r.authority.id }, 'replaced CA root no longer trusted');
    retired = kept;
    await apply();
    return true;
  };

  const check = async (): Promise<Result<boolean>> => {
    const dropped = await expire();
    const read = await readSecret();
    return read.ok ? ok(read.value || dropped) : read;
  };

  const readSecret = async (): Promise<Result<boolean>> => {
    let secret: SecretShape;
    try {
      secret = await o.http<SecretShape & Record<string, unknown>>({
        path: `/api/v1/namespaces/${o.namespace}/secrets/${o.name}`,
      });
    } catch (e) {
      if (!isKubeError(e, 404)) throw e;
      if (!missing) log.warn('the CA Secret is gone; keeping the current authorities');
      missing = true;
      return ok(false);
    }
    missing = false;
    const data = JSON.stringify(secret.data ?? {});
    if (data === lastData) return ok(false);
    lastData = data; // a bad Secret is reported once, not on every poll
    const loaded = await authoritiesFromSecret(secret, where);
    if (!loaded.ok) {
      log.warn(
        { issues: formatIssues(loaded.error) },
        'the CA Secret is not usable; keeping the current authorities',
      );
      return loaded;
    }
    const next = loaded.value.active;
    if (sameCert(next, current.active)) return ok(false);
    const untilMs = o.clock.wallNow() + o.retiredTrustMs;
    // A signer coming back during its own overlap is active again, not retired.
    retired = [
      ...retired.filter((r) => !sameCert(r.authority, next)),
      { authority: current.active, untilMs },
    ];
    log.info(
      { from: current.active.id, to: next.id, retiredTrustedUntil: new Date(untilMs).toISOString() },
      'the CA Secret holds a new signer: signing with it, trusting the old root during the overlap',
    );
    current = loaded.value;
    await apply();
    return ok(true);
  };

  const tick = (): void => {
    if (closed) return;
    poll = o.clock.setTimeout(
      () =>
        void check()
          .catch((e: unknown) => log.warn({ err: (e as Error).message }, 'reading the CA Secret failed'))
          .finally(tick),
      o.intervalMs ?? 10_000,
    );
    poll.unref?.();
  };
  tick();

  return {
    check,
    close: () => {
      closed = true;
      if (poll) o.clock.clearTimeout(poll);
    },
  };
};
