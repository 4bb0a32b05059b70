import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runNotes } from './notes.ts';
import { grpcMessage, varint } from './grpc-frames.ts';
import { parseH2load } from './h2load.ts';
import { mergeDirect } from './baseline.ts';
import type { OpenLoopResult } from './open-loop.ts';
import type { RowResult } from './types.ts';
import { nearest, parseArgs } from './args.ts';
import { discoverHooks, hookAllowance, isHookFile, parseHookOutput } from './hooks.ts';
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
    expect(parseWrk(out)).toEqual({ tool: 'wrk', rps: 40011.23, requests: 120034, failed: 10 });
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

describe('hook files', () => {
  it.each([
    ['issuance.ts', true],
    ['webhook-main.ts', false],
    ['issuance.test.ts', false],
    ['_shared.ts', false],
    ['types.d.ts', false],
    ['README.md', false],
  ])('%s is a hook: %s', (file, want) => {
    expect(isHookFile(file)).toBe(want);
  });

  it("finds bench/ca/issuance but not the runner's own files or the ten-minute soak", () => {
    const names = discoverHooks(fileURLToPath(new URL('..', import.meta.url))).map((h) => h.name);
    expect(names).toContain('ca/issuance');
    expect(names.filter((n) => /^(lib|peers|results|soak)\//.test(n))).toEqual([]);
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
    expect(r.ok && r.value.plan).toMatchObject({ mode: 'quick', rates: [1000], cpuRate: 1000 });
    expect(r.ok && r.value.only).toEqual(['weft-hop', 'ca/issuance']);
    const full = parseArgs([]);
    expect(full.ok && full.value.plan).toMatchObject({ mode: 'full', rates: [500, 1000, 2000] });
    const chosen = parseArgs(['--rates', '500,2000', '--quick']);
    expect(chosen.ok && chosen.value.plan).toMatchObject({ rates: [500, 2000], cpuRate: 500 });
  });

  it('quick windows fit the budget: 19 row runs at ~4 s leave room for the hooks', () => {
    const r = parseArgs(['--quick']);
    if (!r.ok) throw new Error('parse');
    const p = r.value.plan;
    const perRow = p.closedLoopSeconds * 1000 + p.rates.length * (p.warmupMs + p.durationMs);
    expect(perRow).toBeLessThanOrEqual(3000);
    expect(p.budgetMs).toBeLessThan(180_000);
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
  const s = (name: string, shape: Scenario['shape'], protocol: Scenario['protocol'] = 'h1'): Scenario => ({
    name,
    shape,
    proxy: name.split('-')[0] as string,
    tls: false,
    protocol,
    start: () => Promise.reject(new Error('not in unit tests')),
  });
  const rows = [
    s('direct', 'direct'),
    s('weft-hop', 'hop'),
    s('haproxy-hop', 'hop'),
    s('direct-grpc', 'direct', 'grpc'),
    s('weft-hop-grpc', 'hop', 'grpc'),
  ];
  const hooks = [{ name: 'ca/issuance', path: '/x/ca/issuance.ts' }];

  it('everything when empty', () => {
    const sel = select([], rows, hooks);
    expect([sel.rows.length, sel.hooks.length]).toEqual([5, 1]);
  });
  it('brings direct along with any row, and nothing else', () => {
    const sel = select(['weft-hop'], rows, hooks);
    expect(sel.rows.map((r) => r.name)).toEqual(['direct', 'weft-hop']);
    expect(sel.hooks).toEqual([]);
  });
  it('a gRPC row brings the gRPC baseline; run order is kept', () => {
    expect(select(['weft-hop-grpc', 'weft-hop'], rows, hooks).rows.map((r) => r.name)).toEqual([
      'direct',
      'weft-hop',
      'direct-grpc',
      'weft-hop-grpc',
    ]);
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
    protocol: 'h1',
    closedLoop: { tool: 'wrk', rps, requests: 1, failed: 0 },
    rates: Object.fromEntries(Object.entries(p99s).map(([k, v]) => [k, run(v)])),
  });

  it('keeps, per rate, the run with the lower p99, and the higher max throughput', () => {
    const merged = mergeDirect(row({ '500': 90, '1000': 2 }, 100), row({ '500': 3, '1000': 40 }, 200));
    expect(merged.rates['500']?.latencyMs.p99).toBe(3);
    expect(merged.rates['1000']?.latencyMs.p99).toBe(2);
    expect(merged.closedLoop?.rps).toBe(200);
  });
  it('falls back to the run that worked', () => {
    const bad: RowResult = { ...row({}, 0), unavailable: 'failed' };
    expect(mergeDirect(row({ '500': 5 }, 1), bad).rates['500']?.latencyMs.p99).toBe(5);
    expect(mergeDirect(bad, row({ '500': 5 }, 1)).unavailable).toBeUndefined();
  });
});

describe('h2load output', () => {
  const out = `finished in 3.00s, 8561.33 req/s, 9.37MB/s
requests: 25700 total, 25764 started, 25690 done, 25684 succeeded, 10 failed, 10 errored, 0 timeout
status codes: 25680 2xx, 0 3xx, 0 4xx, 4 5xx
`;
  it('reads rate and done requests; failures are h2load failures or non-2xx, whichever is more', () => {
    expect(parseH2load(out)).toEqual({ tool: 'h2load', rps: 8561.33, requests: 25690, failed: 10 });
  });
  it('does not count streams cut off at the end (2xx above done) as negative failures', () => {
    const cut = `finished in 2.00s, 4127.50 req/s, 4.28MB/s
requests: 8255 total, 8319 started, 8255 done, 8255 succeeded, 0 failed, 0 errored, 0 timeout
status codes: 8289 2xx, 0 3xx, 0 4xx, 0 5xx`;
    expect(parseH2load(cut)?.failed).toBe(0);
  });
  it('is undefined when h2load printed no summary', () => {
    expect(parseH2load('connect failed')).toBeUndefined();
  });
});

describe('gRPC frames', () => {
  it('encodes varints like protobuf', () => {
    expect([...varint(1)]).toEqual([1]);
    expect([...varint(300)]).toEqual([0xac, 0x02]);
    expect([...varint(1021)]).toEqual([0xfd, 0x07]);
  });
  it('frames a message with flag 0 and a big-endian length of exactly the payload', () => {
    const m = grpcMessage(1024);
    expect(m.length).toBe(1029);
    expect(m[0]).toBe(0);
    expect(m.readUInt32BE(1)).toBe(1024);
    // field 1, length-delimited, 1021 bytes
    expect([...m.subarray(5, 8)]).toEqual([0x0a, 0xfd, 0x07]);
    expect(grpcMessage(16).readUInt32BE(1)).toBe(16);
  });
});

describe('hook time allowance', () => {
  it.each([
    [45_000, undefined, 500_000, 45_000], // full run: no budget, the hook's own limit
    [45_000, 170_000, 100_000, 45_000], // plenty left
    [45_000, 170_000, 150_000, 20_000], // cut to what is left
    [45_000, 170_000, 166_000, 0], // under 5 s left: skip
    [45_000, 170_000, 150_000.5, 19_999], // whole milliseconds
  ])('limit %s, budget %s, elapsed %s → %s', (limit, budget, elapsed, want) => {
    expect(hookAllowance(limit, budget, elapsed)).toBe(want);
  });
});

describe('results notes', () => {
  const opts = (argv: string[]) => {
    const r = parseArgs(argv);
    if (!r.ok) throw new Error('bad flags');
    return r.value;
  };
  it('says when the machine was busy, the run partial or reniced, and keeps --note lines first', () => {
    const notes = runNotes(opts(['--note', 'hello', '--nice', '-10', '--only', 'weft-hop']), [], 3.2);
    expect(notes[0]).toBe('hello');
    expect(notes.join('\n')).toContain('load average 3.20');
    expect(notes.join('\n')).toContain('niceness -10');
    expect(notes.join('\n')).toContain('partial run: --only weft-hop');
  });
  it('names the baselines measured twice', () => {
    const rows = (['h1', 'h1', 'grpc', 'grpc'] as const).map((protocol) => ({ protocol }) as RowResult);
    expect(runNotes(opts([]), rows, 0.1)).toEqual([
      'direct and direct-grpc are measured before and after the proxy rows; per rate the run with the lower p99 is the baseline',
    ]);
    expect(runNotes(opts([]), rows.slice(2), 0.1)[0]).toMatch(/^direct-grpc is measured/);
  });
  it('says nothing extra for a quiet, complete, default run', () => {
    expect(runNotes(opts([]), [], 0.1)).toEqual([]);
  });
});
