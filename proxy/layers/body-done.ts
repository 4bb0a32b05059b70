// Runs a callback once a response is finished with: at once when it has no body, otherwise when
// the body ends, errors or is destroyed. Breaker slots and timeout timers are released here.
import { finished } from 'node:stream';
import { MeshBody } from '../stack/body.ts';
import type { MeshResponse } from '../stack/types.ts';

export const whenBodyDone = (res: MeshResponse, done: () => void): void => {
  const body = res.body;
  if (!body) {
    done();
    return;
  }
  if (body instanceof MeshBody) {
    body.whenDone(done);
    return;
  }
  let called = false;
  // finished() also fires for a body that already ended or was destroyed before we looked.
  const cleanup = finished(body, { writable: false }, () => {
    cleanup();
    if (called) return;
    called = true;
    done();
  });
};

/** Releases a response nobody will read (a retried try, a timed-out late answer). */
export { discardBody as discardResponse } from '../stack/discard.ts';
