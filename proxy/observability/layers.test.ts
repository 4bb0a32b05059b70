import { describe, expect, it } from 'vitest';
import { trace } from '@opentelemetry/api';
import { ManualClock, seededRandom } from '../../api/runtime/clock.ts';
import { observabilityLayers } from './layers.ts';
import { openAccessLog } from './access-log-sink.ts';

const deps = { clock: new ManualClock(), random: seededRandom(1) };
const sink = openAccessLog({ stream: { write: () => undefined } });
const tracer = trace.getTracer('test');

describe('observabilityLayers', () => {
  it.each([
    ['nothing configured', undefined, 0],
    ['empty options', {}, 0],
    ['access log sampled at 0', { accessLog: { sink, sampleRatio: 0 } }, 0],
    ['access log', { accessLog: { sink } }, 1],
    ['tracing', { tracer }, 1],
    ['both', { tracer, accessLog: { sink, sampleRatio: 0.5 } }, 2],
  ])('%s → %i layers', (_name, o, n) => {
    expect(observabilityLayers(o, 'outbound', deps)).toHaveLength(n);
  });
});
