import { describe, expect, it } from 'vitest';
import type { Endpoint, ServicePort, ServiceView } from '../../api/model/snapshot.ts';
import {
  destinationIndex,
  firstBytes,
  MAX_HEAD_BYTES,
  normalizeIp,
  planBeforeBytes,
  planFromBytes,
  type FirstBytes,
} from './by-destination.ts';

const HTTP: ServicePort = { port: 80, targetPort: 8080, protocol: 'http' };
const TCP: ServicePort = { port: 7000, targetPort: 7007, protocol: 'tcp' };
const svc = (name: string, clusterIPs?: string[]): ServiceView => ({
  name,
  namespace: 'demo',
  hosts: [name, `${name}.demo`],
  ports: [HTTP, TCP],
  endpoints: [],
  ...(clusterIPs ? { clusterIPs } : {}),
});
const index = destinationIndex({
  'demo/b': svc('b', ['10.96.0.10', 'fd00::10']),
  'demo/a': svc('a', ['10.96.0.10']), // same IP as b: a sorts first and wins
  'demo/c': svc('c'),
});

describe('destinationIndex', () => {
  it('finds a Service port by clusterIP:port, in any spelling of the address', () => {
    expect(index.lookup('10.96.0.10', 80)?.service.name).toBe('a');
    expect(index.lookup('::ffff:10.96.0.10', 7000)?.port).toBe(TCP);
    expect(index.lookup('FD00::10', 80)?.service.name).toBe('b');
  });

  it('knows nothing of other ports and addresses', () => {
    expect(index.lookup('10.96.0.10', 81)).toBeUndefined();
    expect(index.lookup('10.96.0.11', 80)).toBeUndefined();
  });

  it.each([
    ['::ffff:1.2.3.4', '1.2.3.4'],
    ['FE80::1', 'fe80::1'],
    ['::ffff:abcd', '::ffff:abcd'],
  ])('normalizeIp(%s) = %s', (a, b) => expect(normalizeIp(a)).toBe(b));
});

describe('destinationIndex: pod IPs', () => {
  const pod = (address: string, identity = 'spiffe://t/ns/demo/sa/db'): Endpoint => ({
    address,
    port: 15006,
    identity,
  });
  const headless = (name: string, endpoints: Endpoint[]): ServiceView => ({ ...svc(name), endpoints });
  const pods = destinationIndex({
    'demo/db': headless('db', [pod('10.1.0.5'), pod('fd00::5'), pod('db.example')]),
    'demo/db-read': headless('db-read', [pod('10.1.0.5')]), // the same pod, selected twice
    'demo/shared': headless('shared', [pod('10.1.0.9', 'spiffe://t/ns/demo/sa/x')]),
    'demo/shared2': headless('shared2', [pod('10.1.0.9', 'spiffe://t/ns/demo/sa/y')]),
    'demo/vip': svc('vip', ['10.1.0.7']),
    'demo/odd': headless('odd', [pod('10.1.0.7')]),
  });

  it('finds the one endpoint behind pod IP:targetPort, with its service port', () => {
    const t = pods.lookup('10.1.0.5', 7007);
    expect(t).toMatchObject({ service: { name: 'db' }, port: TCP, endpoint: pod('10.1.0.5') });
    expect(pods.lookup('FD00::5', 8080)?.endpoint?.address).toBe('fd00::5');
  });

  it('matches the target port only (a pod listens there), not the service port', () => {
    expect(pods.lookup('10.1.0.5', 80)).toBeUndefined();
  });

  it('indexes no host names and no address two different endpoints claim', () => {
    expect(pods.lookup('db.example', 8080)).toBeUndefined();
    expect(pods.lookup('10.1.0.9', 8080)).toBeUndefined();
  });

  it('keeps a clusterIP the meaning of a virtual IP', () => {
    expect(pods.lookup('10.1.0.7', 80)).toMatchObject({ service: { name: 'vip' } });
    expect(pods.lookup('10.1.0.7', 80)?.endpoint).toBeUndefined();
  });
});

describe('firstBytes', () => {
  const req = 'GET /x HTTP/1.1\r\nUser-Agent: t\r\nHOST:  b.demo:80 \r\n\r\n';
  it.each<[string, boolean, FirstBytes | undefined]>([
    ['\x16\x03\x01', false, { kind: 'tls' }],
    ['PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', true, { kind: 'h2' }],
    ['PRI * HT', false, undefined],
    ['GE', false, undefined],
    ['GET / HTTP/1.1\r\n', false, { kind: 'http1' }],
    ['GET / HTTP/1.1\r\n', true, undefined],
    [req, true, { kind: 'http1', host: 'b.demo:80' }],
    ['GET / HTTP/1.0\r\n\r\n', true, { kind: 'http1' }],
    ['SSH-2.0-OpenSSH\r\n', false, { kind: 'other' }],
    ['hello', true, { kind: 'other' }],
    ['get / HTTP/1.1\r\n', false, { kind: 'other' }],
  ])('%j (needHost %s)', (text, needHost, expected) =>
    expect(firstBytes(Buffer.from(text, 'latin1'), needHost)).toEqual(expected),
  );

  it('stops waiting for the Host once the head is too long', () => {
    const long = Buffer.from(`GET / HTTP/1.1\r\nX: ${'a'.repeat(MAX_HEAD_BYTES)}`);
    expect(firstBytes(long, true)).toEqual({ kind: 'http1' });
  });
});

describe('plans', () => {
  const b = index.lookup('fd00::10', 80);
  const bTcp = index.lookup('fd00::10', 7000);
  it('tunnels a tcp port before any byte, and only a tcp port', () => {
    expect(planBeforeBytes(bTcp)).toEqual({ action: 'tunnel', target: bTcp });
    expect(planBeforeBytes(b)).toBeUndefined();
    expect(planBeforeBytes(undefined)).toBeUndefined();
  });

  it.each<[string, FirstBytes | undefined, boolean, string]>([
    ['HTTP/1.1 to a service port', { kind: 'http1' }, true, 'http'],
    ['h2c to a service port', { kind: 'h2' }, true, 'http'],
    ['TLS from the app to a service port', { kind: 'tls' }, true, 'tunnel'],
    ['other bytes to a service port', { kind: 'other' }, true, 'tunnel'],
    ['silence (server-first) on a service port', undefined, true, 'tunnel'],
    ['HTTP whose client already half-closed', { kind: 'http1' }, false, 'tunnel'],
  ])('%s → %s', (_name, first, canParse, action) =>
    expect(planFromBytes(b, first, index.hosts, canParse).action).toBe(action),
  );

  it.each<[string, FirstBytes | undefined, string]>([
    ['HTTP/1.1 whose Host is a mesh service', { kind: 'http1', host: 'c.demo' }, 'http'],
    ['HTTP/1.1 to any other host', { kind: 'http1', host: 'example.org' }, 'passthrough'],
    ['HTTP/1.1 without a Host', { kind: 'http1' }, 'passthrough'],
    ['h2c (authority unreadable without parsing)', { kind: 'h2' }, 'passthrough'],
    ['TLS', { kind: 'tls' }, 'passthrough'],
    ['silence', undefined, 'passthrough'],
  ])('not a clusterIP: %s → %s', (_name, first, action) =>
    expect(planFromBytes(undefined, first, index.hosts, true).action).toBe(action),
  );
});
