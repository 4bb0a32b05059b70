import { describe, expect, it } from 'vitest';
import type { ProxySnapshot } from '../../api/model/snapshot.ts';
import { ManualClock } from '../../api/runtime/clock.ts';
import { PushSession } from './session.ts';

const snap = (version: string): ProxySnapshot => ({
  version,
  workload: { name: 'w', namespace: 'n', serviceAccount: 'sa', identity: 'spiffe://x/ns/n/sa/sa' },
  services: {},
});

const setup = (runningVersion?: string, deltas = false) => {
  const clock = new ManualClock();
  const sent: { version: string; nonce: string; base: string | undefined }[] = [];
  const drops: string[] = [];
  const answers: { nacked: boolean; latencyMs: number }[] = [];
  const session = new PushSession(
    {
      clock,
      sendTimeoutMs: 1_000,
      deltas,
      send: (s, nonce, base) => sent.push({ version: s.version, nonce, base: base?.version }),
      drop: (reason) => drops.push(reason),
      onAnswer: (a) => answers.push(a),
    },
    runningVersion,
  );
  const ack = (i: number) => session.answer({ versionInfo: sent[i]!.version, responseNonce: sent[i]!.nonce });
  return { clock, sent, drops, answers, session, ack };
};

describe('PushSession', () => {
  it('sends a snapshot only when its version changed', () => {
    const { session, sent, ack } = setup();
    session.offer(snap('v1'));
    ack(0);
    session.offer(snap('v1'));
    expect(sent.map((s) => s.version)).toEqual(['v1']);
    expect(session.ackedVersion).toBe('v1');
  });

  it('does not resend what a reconnecting sidecar already runs', () => {
    const { session, sent } = setup('v1');
    session.offer(snap('v1'));
    expect(sent).toEqual([]);
    session.offer(snap('v2'));
    expect(sent.map((s) => s.version)).toEqual(['v2']);
  });

  it('collapses a burst into the newest snapshot while one is in flight (size-1 slot)', () => {
    const { session, sent, ack, clock, answers } = setup();
    session.offer(snap('v1'));
    for (const v of ['v2', 'v3', 'v4']) session.offer(snap(v));
    expect(sent.map((s) => s.version)).toEqual(['v1']);
    clock.advance(40);
    ack(0);
    expect(answers).toEqual([{ nacked: false, latencyMs: 40 }]);
    expect(sent.map((s) => s.version)).toEqual(['v1', 'v4']);
  });

  it('records a NACK, does not resend the rejected version, and moves on to the next one', () => {
    const { session, sent } = setup();
    session.offer(snap('v1'));
    session.answer({
      versionInfo: '',
      responseNonce: sent[0]!.nonce,
      error: { message: 'bad', issues: [{ path: 'p', message: 'm' }] },
    });
    expect(session.lastNack).toMatchObject({
      version: 'v1',
      message: 'bad',
      issues: [{ path: 'p', message: 'm' }],
    });
    expect(session.ackedVersion).toBeUndefined();
    session.offer(snap('v1'));
    session.offer(snap('v2'));
    expect(sent.map((s) => s.version)).toEqual(['v1', 'v2']);
  });

  it('ignores answers with a stale nonce', () => {
    const { session, sent } = setup();
    session.offer(snap('v1'));
    session.answer({ versionInfo: 'v1', responseNonce: 'old' });
    expect(session.ackedVersion).toBeUndefined();
    session.offer(snap('v2'));
    expect(sent).toHaveLength(1); // still waiting for the real answer
  });

  it('drops a stream whose sidecar does not answer within the send timeout', () => {
    const { session, drops, clock, sent } = setup();
    session.offer(snap('v1'));
    clock.advance(999);
    expect(drops).toEqual([]);
    clock.advance(1);
    expect(drops).toEqual(['no ACK or NACK for version v1 within 1000 ms']);
    session.offer(snap('v2'));
    expect(sent).toHaveLength(1); // closed sessions send nothing more
  });

  describe('deltas', () => {
    const nack = (session: PushSession, nonce: string, runs: string, path = 'base_version') =>
      session.answer({
        versionInfo: runs,
        responseNonce: nonce,
        error: { message: 'no', issues: [{ path, message: 'm' }] },
      });

    it('names the ACKed snapshot as the base of the next send, only for a sidecar that accepts deltas', () => {
      for (const deltas of [true, false]) {
        const { session, sent, ack } = setup(undefined, deltas);
        session.offer(snap('v1'));
        ack(0);
        session.offer(snap('v2'));
        ack(1);
        session.offer(snap('v3'));
        expect(sent.map((s) => s.base)).toEqual(
          deltas ? [undefined, 'v1', 'v2'] : [undefined, undefined, undefined],
        );
      }
    });

    it('sends whole after a reconnect: it only knows the running version, not its content', () => {
      const { session, sent } = setup('v1', true);
      session.offer(snap('v2'));
      expect(sent).toMatchObject([{ version: 'v2', base: undefined }]);
    });

    it('sends a delta whose base the sidecar does not run again whole, once; refused content is not resent', () => {
      const { session, sent, ack } = setup(undefined, true);
      session.offer(snap('v1'));
      ack(0);
      session.offer(snap('v2'));
      nack(session, sent[1]!.nonce, 'v1');
      expect(sent.map((s) => [s.version, s.base])).toEqual([
        ['v1', undefined],
        ['v2', 'v1'],
        ['v2', undefined],
      ]);
      nack(session, sent[2]!.nonce, 'v1');
      session.offer(snap('v2'));
      expect(sent).toHaveLength(3);
      session.offer(snap('v3'));
      expect(sent.at(-1)).toMatchObject({ version: 'v3', base: undefined });
      ack(3);
      session.offer(snap('v4'));
      nack(session, sent[4]!.nonce, 'v3', 'snapshot: services');
      session.offer(snap('v4'));
      expect(sent.map((s) => [s.version, s.base]).slice(3)).toEqual([
        ['v3', undefined],
        ['v4', 'v3'],
      ]);
    });

    it('a newer offer waiting behind a refused delta wins over resending it', () => {
      const { session, sent, ack } = setup(undefined, true);
      session.offer(snap('v1'));
      ack(0);
      session.offer(snap('v2'));
      session.offer(snap('v3'));
      nack(session, sent[1]!.nonce, 'v1');
      expect(sent.map((s) => [s.version, s.base])).toEqual([
        ['v1', undefined],
        ['v2', 'v1'],
        ['v3', undefined],
      ]);
    });
  });
});
