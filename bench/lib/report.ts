// Renders a run as the Markdown results file: machine and versions, then per protocol (HTTP/1.1,
// gRPC) throughput and resources, one latency table per rate and the generator's self-check, and
// the other benches' numbers.
import { addedLatency, haproxyPeer, ratio } from './ratios.ts';
import { pairTargets } from './targets.ts';
import type { HookResult, Plan, RowResult, RunReport } from './types.ts';

const DASH = '—';

export const fmt = (x: number | undefined, digits = 2): string =>
  x === undefined || !Number.isFinite(x) ? DASH : x.toFixed(digits);

export const fmtRatio = (x: number | undefined): string => (x === undefined ? DASH : `${x.toFixed(2)}×`);

export const table = (head: readonly string[], body: readonly (readonly string[])[]): string =>
  [head, head.map(() => '---'), ...body].map((cells) => `| ${cells.join(' | ')} |`).join('\n');

const measured = (rows: readonly RowResult[]): RowResult[] => rows.filter((r) => !r.unavailable);

const throughputTable = (rows: readonly RowResult[], tool: string, cpuRate: number): string =>
  table(
    [
      'row',
      `max req/s (${tool})`,
      'vs HAProxy',
      `CPU s / 1000 req @ ${cpuRate}/s`,
      'vs HAProxy',
      'RSS idle MB',
      'RSS under load MB',
      'vs HAProxy',
      'failed',
    ],
    measured(rows).map((r) => {
      const h = haproxyPeer(r, rows);
      return [
        r.name,
        fmt(r.closedLoop?.rps, 0),
        fmtRatio(ratio(r.closedLoop?.rps, h?.closedLoop?.rps)),
        fmt(r.cpuSecPer1000, 3),
        fmtRatio(ratio(r.cpuSecPer1000, h?.cpuSecPer1000)),
        fmt(r.rssIdleMb, 1),
        fmt(r.rssLoadMb, 1),
        fmtRatio(ratio(r.rssLoadMb, h?.rssLoadMb)),
        String(r.closedLoop?.failed ?? DASH),
      ];
    }),
  );

const byProtocol = (rows: readonly RowResult[], p: RowResult['protocol']): RowResult[] =>
  rows.filter((r) => r.protocol === p);

/**
 * A rate above 80 % of the row's closed-loop maximum leaves the proxy queueing: its latency there
 * measures the backlog, not the proxy's cost per request.
 */
export const nearCapacity = (r: RowResult, rate: number): boolean =>
  (r.closedLoop !== undefined && rate > 0.8 * r.closedLoop.rps) || (busyPercent(r, rate) ?? 0) > 80;

/** Share of one CPU the row's proxies used at that rate (pairs: both ends on the one proxy CPU). */
export const busyPercent = (r: RowResult, rate: number): number | undefined => {
  const busy = r.busyByRate?.[String(rate)];
  return busy === undefined ? undefined : busy * 100;
};

const latencyTable = (rows: readonly RowResult[], rate: string): string =>
  table(
    [
      'row',
      'p50',
      'p90',
      'p99',
      'p99.9',
      'max',
      '+p50',
      '+p90',
      '+p99',
      '+p99.9',
      '+p99 vs HAProxy',
      'proxy CPU %',
      'failed',
    ],
    measured(rows).flatMap((r) => {
      const res = r.rates[rate];
      if (!res) return [];
      const l = res.latencyMs;
      const add = addedLatency(r, rows, rate);
      const h = haproxyPeer(r, rows);
      const hAdd = h && addedLatency(h, rows, rate);
      return [
        [
          nearCapacity(r, Number(rate)) ? `${r.name} (at capacity)` : r.name,
          ...[l.p50, l.p90, l.p99, l.p999, l.max].map((x) => fmt(x)),
          ...(r.shape === 'direct'
            ? [DASH, DASH, DASH, DASH]
            : [add?.p50, add?.p90, add?.p99, add?.p999].map((x) => fmt(x))),
          fmtRatio(ratio(add?.p99, hAdd?.p99)),
          fmt(busyPercent(r, Number(rate)), 0),
          String(res.errors + res.timeouts + res.non2xx),
        ],
      ];
    }),
  );

const selfCheck = (rows: readonly RowResult[]): string => {
  const direct = rows.find((r) => r.shape === 'direct' && !r.unavailable);
  if (!direct) return '_direct was not measured_';
  return table(
    ['rate', 'send lag p99 ms', 'send lag max ms', 'generator CPU ms / 1000 req', 'connections opened'],
    Object.entries(direct.rates).map(([rate, r]) => [
      rate,
      fmt(r.sendLagMs.p99),
      fmt(r.sendLagMs.max),
      fmt(r.generatorCpuMsPer1000, 1),
      String(r.connectionsOpened),
    ]),
  );
};

/** Numeric and string leaves of a hook's JSON as `a.b.c` → value, in order, at most `limit`. */
export const flatten = (data: unknown, limit = 40, prefix = ''): [string, string][] => {
  const out: [string, string][] = [];
  const walk = (v: unknown, path: string): void => {
    if (out.length >= limit) return;
    if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) walk(child, path ? `${path}.${k}` : k);
    } else if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') {
      out.push([path || '(value)', String(v)]);
    }
  };
  walk(data, prefix);
  return out;
};

const hookSection = (h: HookResult): string =>
  h.error
    ? `### ${h.name}\n\nfailed after ${fmt(h.seconds, 1)} s: ${h.error.replaceAll('\n', ' ').slice(0, 300)}`
    : `### ${h.name}\n\n${fmt(h.seconds, 1)} s\n\n${table(['figure', 'value'], flatten(h.data))}`;

/** Headings and tool names that differ between the HTTP/1.1 and the gRPC tables. */
interface ProtocolText {
  readonly throughput: string;
  readonly intro?: string;
  readonly tool: string;
  readonly latency: (rate: number) => string;
  readonly selfCheck: string;
  readonly connections: string;
}

const TEXT: Record<RowResult['protocol'], ProtocolText> = {
  h1: {
    throughput: '## Throughput and resources (HTTP/1.1)',
    tool: 'wrk',
    latency: (rate) => `## Latency at ${rate} req/s (open loop)`,
    selfCheck: '## Generator self-check (direct row)',
    connections: 'connections',
  },
  grpc: {
    throughput: '## gRPC (unary, h2c from the client, h2 on every hop): throughput and resources',
    intro:
      'Unary calls (16-byte request, 1 KiB reply, grpc-status trailer). Maximum throughput with h2load (closed loop); latency with our own open-loop h2 client (4 sessions × up to 100 streams, each call started at its intended time, latency to the trailers; success = HTTP 200 + grpc-status 0), never h2load --rps.',
    tool: 'h2load',
    latency: (rate) => `## gRPC latency at ${rate} calls/s (open loop)`,
    selfCheck: '## gRPC generator self-check (direct-grpc row)',
    connections: 'sessions',
  },
};

const protocolSections = (rows: readonly RowResult[], p: Plan, protocol: RowResult['protocol']): string[] => {
  if (rows.length === 0) return [];
  const t = TEXT[protocol];
  return [
    t.throughput,
    ...(t.intro ? [t.intro] : []),
    throughputTable(rows, t.tool, p.cpuRate),
    ...p.rates.flatMap((rate) => [t.latency(rate), latencyTable(rows, String(rate))]),
    t.selfCheck,
    `How late the generator itself sent and what it cost: the floor under every latency above ("connections opened" counts ${t.connections}).`,
    selfCheck(rows),
  ];
};

const yesNo = (b: boolean | undefined): string => (b === undefined ? DASH : b ? 'yes' : 'no');

/** The issue's targets for the weft pair, with HAProxy and Node's floor from the same run. */
const targetSection = (rows: readonly RowResult[], p: Plan): string[] => {
  const targets = pairTargets(rows, p.cpuRate);
  if (targets.length === 0) return [];
  return [
    '## Targets (weft mesh pair, HTTP/1.1)',
    "Node's floor is node-tls-tunnel-mtls-pair: the same pair shape with bytes piped through TLS and no HTTP work at all; for idle RSS it is node-floor, an idle Node process with net, tls and http loaded. A target the floor misses is out of reach for any Node sidecar on this machine.",
    table(
      ['target', 'weft', 'met', 'HAProxy', "Node's floor", 'floor meets it'],
      targets.map((t) => [
        t.target,
        fmt(t.weft),
        yesNo(t.meets(t.weft)),
        fmt(t.haproxy),
        fmt(t.floor),
        yesNo(t.meets(t.floor)),
      ]),
    ),
  ];
};

export const renderMarkdown = (report: RunReport): string => {
  const { meta, rows, hooks } = report;
  const p = meta.plan;
  const missing = rows.filter((r) => r.unavailable);
  const parts = [
    `# weft benchmark — ${meta.date} (${meta.mode})`,
    [
      `- machine: ${meta.nproc} CPUs, ${meta.cpuModel}; load average at start ${meta.loadAverage.map((x) => x.toFixed(2)).join(' ')}`,
      `- versions: ${Object.entries(meta.versions)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
      `- layout: ${meta.layout}`,
      `- open loop: ${p.rates.join(' / ')} req/s, ${p.warmupMs} ms warm-up + ${p.durationMs} ms measured per rate, latency from each request's intended send time; closed loop: ${p.closedLoopSeconds} s with 64 requests in flight (wrk: 64 HTTP/1.1 connections; h2load: 8 h2 connections × 8 streams)`,
      `- all traffic on 127.0.0.1, HTTP/1.1 keep-alive, 1 KiB response body; times in ms; "+" = minus direct at the same rate; pair rows count both proxies' CPU and RSS`,
    ].join('\n'),
    ...(meta.notes.length ? ['**Notes**', meta.notes.map((n) => `- ${n}`).join('\n')] : []),
    ...protocolSections(byProtocol(rows, 'h1'), p, 'h1'),
    ...targetSection(byProtocol(rows, 'h1'), p),
    ...protocolSections(byProtocol(rows, 'grpc'), p, 'grpc'),
  ];
  if (missing.length)
    parts.push(
      '## Rows not measured',
      missing
        .map((r) => `- ${r.name}: not available — ${r.unavailable?.replaceAll('\n', ' ').slice(0, 400)}`)
        .join('\n'),
    );
  if (hooks.length) parts.push('## Other benches', ...hooks.map(hookSection));
  return `${parts.join('\n\n')}\n`;
};
