// Keeps a running CA in step with its CA directory: polls state.json and, when it changed, loads
// every authority and swaps them in (root rotation without a restart). A bad directory is logged
// and the CA keeps its last good authorities.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { formatIssues, type Result } from '../../api/model/result.ts';
import type { Clock, TimerHandle } from '../../api/runtime/clock.ts';
import type { CertificateAuthority } from './ca.ts';
import { loadCaDir } from './ca-dir.ts';

export interface CaDirWatch {
  /** Reload now if state.json changed since the last load. */
  check(): Promise<Result<boolean>>;
  close(): void;
}

export const watchCaDir = (
  dir: string,
  ca: CertificateAuthority,
  o: { clock: Clock; intervalMs?: number; logger?: Logger; onUpdate?: () => void },
): CaDirWatch => {
  const log = o.logger?.child({ component: 'control-plane.identity.ca-dir', dir });
  let last: string | undefined;
  let timer: TimerHandle | undefined;
  let closed = false;

  const check = async (): Promise<Result<boolean>> => {
    const text = await readFile(join(dir, 'state.json'), 'utf8').catch(() => undefined);
    if (text === undefined || text === last) return { ok: true, value: false };
    const loaded = await loadCaDir(dir);
    if (!loaded.ok) {
      log?.warn(
        { issues: formatIssues(loaded.error) },
        'CA directory is invalid; keeping the current authorities',
      );
      return loaded;
    }
    await ca.update(loaded.value);
    last = text;
    o.onUpdate?.();
    return { ok: true, value: true };
  };

  const tick = (): void => {
    if (closed) return;
    timer = o.clock.setTimeout(() => void check().finally(tick), o.intervalMs ?? 10_000);
    timer.unref?.();
  };
  tick();

  return {
    check,
    close: () => {
      closed = true;
      if (timer) o.clock.clearTimeout(timer);
    },
  };
};
