// FaultInjection end to end: shares and delays over 10,000 requests through the real outbound
// handler on a ManualClock, an experiment that ends on its own after `duration`, and a gRPC abort
// through a real sidecar pair to a @grpc/grpc-js client, visible on the sidecar's /faults page.
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import type { FaultView } from '../../api/model/policy.ts';
import { ManualClock } from '../../api/runtime/clock.ts';
import { inProcessOutbound, reply, stubTransport } from '../../proxy/outbound/outbound-testkit.ts';
import { sayOverGrpc, useGrpcEchoPair } from '../helpers/grpc-pair.ts';
import { h1Call } from '../helpers/http-clients.ts';
import { service, snapshot } from '../helpers/mesh.ts';
import { compileMesh, endpoint, serviceYaml } from './compile.ts';
import { measured } from './report.ts';

const fault = (spec: string) => `
---
apiVersion: policy.weft.io/v1alpha1
kind: FaultInjection
metadata: { name: chaos, namespace: demo }
spec:
  targetRef: { kind: Service, name: catalog }
${spec}
`;

const setup = (spec: string) => {
  const clock = new ManualClock();
  const transport = stubTransport(async () => reply(200));
  const o = inProcessOutbound(transport, { clock, seed: 77 });
  const compiled = compileMesh(
    serviceYaml('catalog') + fault(spec),
    [endpoint('catalog', 1)],
    clock.wallNow(),
  );
  expect(compiled.issues).toEqual([]);
  o.apply(compiled.snapshot);
  return { clock, transport, o };
};

describe('fault injection through the outbound handler (ManualClock)', () => {
  it('aborts 20 % and delays 30 % by 100 ms of 10,000 requests (±2 pp, delay ≤ +10 ms)', async () => {
    const n = 10_000;
    const { clock, transport, o } = setup(`
  delay: { fixed: 100ms, percent: 30 }
  abort: { httpStatus: 503, percent: 20 }`);
    let aborted = 0;
    let delayed = 0;
    let late = 0;
    for (let i = 0; i < n; i++) {
      const start = clock.now();
      const r = await o.driven({}, 5);
      const took = clock.now() - start;
      if (r.headers['x-weft-fault'] === 'abort') aborted++;
      if (took >= 100) delayed++;
      if (took > 110 || (took > 0 && took < 100)) late++;
    }
    measured('fault abort share', aborted / n);
    measured('fault delay share', delayed / n);
    expect(Math.abs(aborted / n - 0.2)).toBeLessThanOrEqual(0.02);
    expect(Math.abs(delayed / n - 0.3)).toBeLessThanOrEqual(0.02);
    expect(late).toBe(0);
    expect(transport.total()).toBe(n - aborted); // an abort never reaches the backend
    expect(o.policies.faultReport()['demo/chaos']).toMatchObject({ active: true, delayed, aborted });
  });

  it('ends a `duration: 5s` experiment on its own, with no new configuration', async () => {
    const { clock, o } = setup(`
  abort: { httpStatus: 418 }
  duration: 5s`);
    expect((await o.call()).status).toBe(418);
    clock.advance(4_999);
    expect((await o.call()).status).toBe(418);
    clock.advance(1);
    expect((await o.call()).status).toBe(200);
    expect(o.policies.faultReport()['demo/chaos']).toEqual({
      service: 'demo/catalog',
      active: false,
      endsAt: new Date(clock.wallNow()).toISOString(),
      delayed: 0,
      aborted: 2,
    });
  });
});

const say = sayOverGrpc;

describe('gRPC abort through a real sidecar f.pair', () => {
  const f = useGrpcEchoPair('echo');

  const withFaults = (faults: FaultView[]) => {
    const endpoints = f.pair.client.source.current()?.services['demo/echo']?.endpoints ?? [];
    f.pair.client.source.replace(
      snapshot({ name: 'echo-f.client' }, [service('echo', endpoints, { faults })]),
    );
  };

  it('answers with the configured grpc-status, counts it on /faults, and stops when the fault goes', async () => {
    const endsAtMs = Date.now() + 60_000;
    withFaults([{ name: 'demo/grpc-chaos', abort: { grpcStatus: 8, percent: 100 }, endsAtMs }]);
    const err = await say(f.client, 'hi').catch((e: grpc.ServiceError) => e);
    expect(err).toMatchObject({
      code: grpc.status.RESOURCE_EXHAUSTED,
      details: 'fault injected by demo/grpc-chaos',
    });
    withFaults([{ name: 'demo/grpc-chaos', abort: { httpStatus: 503, percent: 100 }, endsAtMs }]);
    const mapped = await say(f.client, 'hi').catch((e: grpc.ServiceError) => e);
    expect(mapped).toMatchObject({ code: grpc.status.UNAVAILABLE }); // gRPC's HTTP 503 → UNAVAILABLE
    expect(f.app.requests).toBe(0);
    await say(f.client, 'again').catch(() => undefined);
    const page = await h1Call(f.pair.client.proxy.ports.admin, { authority: 'admin', path: '/faults' });
    expect(JSON.parse(page.body.toString())).toEqual({
      'demo/grpc-chaos': {
        service: 'demo/echo',
        active: true,
        endsAt: new Date(endsAtMs).toISOString(),
        delayed: 0,
        aborted: 2,
      },
    });
    withFaults([]);
    expect((await say(f.client, 'ok')).text).toBe('echo:ok');
    expect(f.app.requests).toBe(1);
  });
});
