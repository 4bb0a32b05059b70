import { describe, expect, it } from 'vitest';
import { mergeDirect } from './baseline.ts';
import type { OpenLoopResult } from './open-loop.ts';
import type { RowResult } from './types.ts';
import { nearest, parseArgs } from './args.ts';
import { parseHookOutput } from './hooks.ts';
import { parseStat, parseVmRss } from './proc-stats.ts';
import type { Scenario } from './scenario.ts';
import { select } from './select.ts';
import { parseWrk } from './wrk.ts';

describe('wrk output', () => {
  const out = `Running 3s test @ http://127.0.0.1:4000/
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.52ms  212.03us   7.76ms   91.21%
  120034 requests in 3.00s, 140.95MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 7
Requests/sec:  40011.23
Transfer/sec:     46.98MB
`;
  it('reads rate, count, non-2xx and socket errors', () => {
    expect(parseWrk(out)).toEqual({ rps: 40011.23, requests: 120034, non2xx: 7, socketErrors: 3 });
  });
  it('is undefined when wrk printed no rate', () => {
    expect(parseWrk('unable to connect to 127.0.0.1:1 Connection refused')).toBeUndefined();
  });
});

describe('/proc parsing', () => {
  it('reads VmRSS in kB', () => {
    expect(parseVmRss('Name:\tnginx\nVmPeak:\t 9000 kB\nVmRSS:\t    4312 kB\n')).toBe(4312);
    expect(parseVmRss('Name:\tkthreadd\n')).toBe(0);
  });
  it('reads ppid and utime+stime even when the command name has spaces and parentheses', () => {
    const fields = ['S', '42', ...Array.from({ length: 9 }, () => '0'), '150', '25', '0', '0'];
    expect(parseStat(`1234 (node (bench) x) ${fields.join(' ')}`)).toEqual({ ppid: 42, cpuTicks: 175 });
  });
});

describe('hook output', () => {
  it('takes whole-stdout JSON, else the last JSON line after log lines', () => {
    expect(parseHookOutput('{"a":1}')).toEqual({ a: 1 });
    expect(parseHookOutput('warming up\n{"a":1}\n{"b":2}\n')).toEqual({ b: 2 });
    expect(parseHookOutput('no json here')).toBeUndefined();
  });
});

describe('flags', () => {
  it('quick mode has short windows and CPU taken at 1000 req/s', () => {
    const r = parseArgs(['--quick', '--only', 'weft-hop,ca/issuance']);
    expect(r.ok && r.value.plan).toMatchObject({ mode: 'quick', rates: [500, 1000, 2000], cpuRate: 1000 });
    expect(r.ok && r.value.only).toEqual(['weft-hop', 'ca/issuance']);
  });
  it('reports every bad flag at once', () => {
    const r = parseArgs(['--rates', '10,x', '--bogus', '--only']);
    expect(r.ok ? [] : r.error.map((i) => i.path)).toEqual(['--rates', '--bogus', '--only']);
  });
  it('CPU rate falls back to the nearest given rate', () => {
    expect(nearest([300, 800, 5000], 1000)).toBe(800);
  });
});

describe('--only selection', () => {
  const s = (name: string, shape: Scenario['shape']): Scenario => ({
    name,
    shape,
    proxy: name.split('-')[0] as string,
    tls: false,
    start: () => Promise.reject(new Error('not in unit tests')),
  });
  const rows = [s('direct', 'direct'), s('weft-hop', 'hop'), s('haproxy-hop', 'hop')];
  const hooks = [{ name: 'ca/issuance', path: '/x/ca/issuance.ts' }];

  it('everything when empty', () => {
    const sel = select([], rows, hooks);
    expect([sel.rows.length, sel.hooks.length]).toEqual([3, 1]);
  });
  it('brings direct along with any row, and nothing else', () => {
    const sel = select(['weft-hop'], rows, hooks);
    expect(sel.rows.map((r) => r.name)).toEqual(['direct', 'weft-hop']);
    expect(sel.hooks).toEqual([]);
  });
  it('hooks alone start no rows; unknown names are reported', () => {
    const sel = select(['hooks', 'nope'], rows, hooks);
    expect(sel.rows).toEqual([]);
    expect(sel.hooks.map((h) => h.name)).toEqual(['ca/issuance']);
    expect(sel.unknown).toEqual(['nope']);
  });
});

describe('direct baseline from two runs', () => {
  const run = (p99: number): OpenLoopResult => ({
    rate: 1000,
    measured: 10,
    ok: 10,
    non2xx: 0,
    errors: 0,
    timeouts: 0,
    latencyMs: { count: 10, p50: 1, p90: 1, p99, p999: p99, max: p99 },
    sendLagMs: { count: 10, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 },
    connectionsOpened: 1,
    generatorCpuMsPer1000: 1,
  });
  const row = (p99s: Record<string, number>, rps: number): RowResult => ({
    name: 'direct',
    shape: 'direct',
    proxy: 'none',
    tls: false,
    wrk: { rps, requests: 1, non2xx: 0, socketErrors: 0 },
    rates: Object.fromEntries(Object.entries(p99s).map(([k, v]) => [k, run(v)])),
  });

  it('keeps, per rate, the run with the lower p99, and the higher max throughput', () => {
    const merged = mergeDirect(row({ '500': 90, '1000': 2 }, 100), row({ '500': 3, '1000': 40 }, 200));
    expect(merged.rates['500']?.latencyMs.p99).toBe(3);
    expect(merged.rates['1000']?.latencyMs.p99).toBe(2);
    expect(merged.wrk?.rps).toBe(200);
  });
  it('falls back to the run that worked', () => {
    const bad: RowResult = { ...row({}, 0), unavailable: 'failed' };
    expect(mergeDirect(row({ '500': 5 }, 1), bad).rates['500']?.latencyMs.p99).toBe(5);
    expect(mergeDirect(bad, row({ '500': 5 }, 1)).unavailable).toBeUndefined();
  });
});
