import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ServiceView } from '../../api/model/snapshot.ts';
import { ManualClock } from '../../api/runtime/clock.ts';
import type { MeshModel } from '../index/model.ts';
import { everyServiceServed, startupGrace } from './startup-grace.ts';

const logger = pino({ level: 'silent' });

describe('startupGrace', () => {
  it('ends once, when its time is up', () => {
    const clock = new ManualClock();
    let ended = 0;
    const g = startupGrace({ clock, logger, ms: 12_000, onEnd: () => ended++ });
    expect(g.active).toBe(true);
    clock.advance(11_999);
    expect([g.active, ended]).toEqual([true, 0]);
    clock.advance(1);
    expect([g.active, ended]).toEqual([false, 1]);
    g.end('again');
    expect(ended).toBe(1);
  });

  it('ends early on end(), and the timer does not fire afterwards', () => {
    const clock = new ManualClock();
    let ended = 0;
    const g = startupGrace({ clock, logger, ms: 12_000, onEnd: () => ended++ });
    g.end('every Service has an endpoint');
    clock.advance(20_000);
    expect([g.active, ended]).toEqual([false, 1]);
  });

  it('is off when its length is 0, and cancel() stops it without onEnd', () => {
    const clock = new ManualClock();
    let ended = 0;
    expect(startupGrace({ clock, logger, ms: 0, onEnd: () => ended++ }).active).toBe(false);
    const g = startupGrace({ clock, logger, ms: 1_000, onEnd: () => ended++ });
    g.cancel();
    clock.advance(5_000);
    expect([g.active, ended]).toEqual([false, 0]);
  });
});

describe('everyServiceServed', () => {
  const model = (...endpoints: number[]): MeshModel => ({
    authz: {},
    services: new Map(
      endpoints.map((n, i) => [
        `demo/s${i}`,
        { endpoints: Array.from({ length: n }) } as unknown as ServiceView,
      ]),
    ),
  });
  it('is true only when no Service lacks endpoints', () => {
    expect(everyServiceServed(model())).toBe(true);
    expect(everyServiceServed(model(1, 3))).toBe(true);
    expect(everyServiceServed(model(1, 0, 2))).toBe(false);
  });
});
