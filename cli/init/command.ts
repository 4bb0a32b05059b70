// `weft init`: the injected init container. Computes the traffic-capture rules
// (injector/inject/iptables-rules.ts) and loads them with iptables-restore and, where the pod has
// IPv6, ip6tables-restore; --dry-run prints them.
// With --wait-ready it instead waits for the sidecar's /ready: the postStart hook that holds the
// app back on clusters without native sidecars.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { Command } from 'commander';
import { err, formatIssues, ok, type ConfigIssue, type Result } from '../../api/model/result.ts';
import { iptablesRules, type CaptureOptions, type IpFamily } from '../../injector/inject/iptables-rules.ts';
import { parseCidrList, parsePortList } from '../../injector/inject/port-list.ts';
import { DEFAULT_VALUES } from '../../injector/inject/values.ts';
import { envOption } from '../options.ts';

export interface InitFlags {
  readonly proxyUid: string;
  readonly outboundPort: string;
  readonly inboundPort: string;
  readonly excludeOutboundPorts?: string;
  readonly excludeOutboundCidrs?: string;
  readonly excludeInboundPorts?: string;
  readonly dryRun?: boolean;
  readonly iptablesRestore: string;
  /** Default ip6tables-restore. */
  readonly ip6tablesRestore?: string;
  readonly waitReady?: string;
  readonly waitTimeout: string;
}

const whole = (raw: string, path: string, max: number, issues: ConfigIssue[]): number => {
  const n = Number(raw);
  if (/^\d+$/.test(raw.trim()) && n >= 1 && n <= max) return n;
  issues.push({ path, message: `must be a whole number from 1 to ${max} (got "${raw}")` });
  return 0;
};

const list = <T>(r: Result<T[]>, issues: ConfigIssue[]): T[] => {
  if (r.ok) return r.value;
  issues.push(...r.error);
  return [];
};

/** Flags → capture options, every bad flag reported at once. */
export const captureFromFlags = (f: InitFlags): Result<CaptureOptions> => {
  const issues: ConfigIssue[] = [];
  const o: CaptureOptions = {
    proxyUid: whole(f.proxyUid, '--proxy-uid', 2 ** 31 - 1, issues),
    outboundPort: whole(f.outboundPort, '--outbound-port', 65_535, issues),
    inboundPort: whole(f.inboundPort, '--inbound-port', 65_535, issues),
    excludeOutboundPorts: list(
      parsePortList(f.excludeOutboundPorts ?? '', '--exclude-outbound-ports'),
      issues,
    ),
    excludeOutboundCidrs: list(
      parseCidrList(f.excludeOutboundCidrs ?? '', '--exclude-outbound-cidrs'),
      issues,
    ),
    excludeInboundPorts: list(parsePortList(f.excludeInboundPorts ?? '', '--exclude-inbound-ports'), issues),
  };
  return issues.length ? err(issues) : ok(o);
};

/** Feeds the rules to iptables-restore on stdin; resolves with its exit code and stderr. */
export const restoreRules = (
  bin: string,
  lines: readonly string[],
): Promise<{ code: number; stderr: string }> =>
  new Promise((resolve) => {
    const child = spawn(bin, [], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', (e) => resolve({ code: 127, stderr: e.message }));
    child.on('close', (code) => resolve({ code: code ?? 1, stderr }));
    child.stdin.on('error', () => undefined); // reported through 'close' / 'error' instead
    child.stdin.end(`${lines.join('\n')}\n`);
  });

/**
 * IPv6 in this network namespace: `off` (the kernel has none), `local` (only loopback and
 * link-local addresses: nothing can leave over IPv6), `routable` (a pod address: dual-stack).
 */
export type Ipv6State = 'off' | 'local' | 'routable';

export const ipv6State = (): Ipv6State => {
  if (!existsSync('/proc/net/if_inet6')) return 'off';
  const routable = Object.values(networkInterfaces())
    .flat()
    .some((a) => a?.family === 'IPv6' && !a.internal && !a.address.toLowerCase().startsWith('fe80:'));
  return routable ? 'routable' : 'local';
};

export interface Restored {
  readonly family: IpFamily;
  readonly code: number;
  readonly stderr: string;
  /** A failure that leaves nothing uncaptured (IPv6 without a routable address) only warns. */
  readonly fatal: boolean;
}

/**
 * Loads the rules of each family this pod has. IPv6 rules are written whenever the kernel has
 * IPv6; their failure stops the pod only when IPv6 traffic could leave it uncaptured.
 */
export const restoreFamilies = async (
  o: CaptureOptions,
  bins: Readonly<Record<IpFamily, string>>,
  ipv6: Ipv6State,
): Promise<Restored[]> => {
  const out: Restored[] = [];
  for (const family of ipv6 === 'off' ? [4 as const] : ([4, 6] as const)) {
    const r = await restoreRules(bins[family], iptablesRules(o, family));
    out.push({ family, ...r, fatal: r.code !== 0 && (family === 4 || ipv6 === 'routable') });
  }
  return out;
};

/** What --dry-run prints: each family's restore input under a comment line (restore skips it). */
export const dryRunText = (o: CaptureOptions): string =>
  ([4, 6] as const)
    .map((f) => `# ${f === 4 ? 'iptables' : 'ip6tables'}-restore\n${iptablesRules(o, f).join('\n')}\n`)
    .join('');

export interface WaitDeps {
  readonly fetch: (url: string) => Promise<{ status: number }>;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

/** Polls `url` until it answers 200 or `timeoutMs` passes; true when ready. */
export const waitReady = async (url: string, timeoutMs: number, deps: WaitDeps): Promise<boolean> => {
  const deadline = deps.now() + timeoutMs;
  for (;;) {
    const status = await deps.fetch(url).then(
      (r) => r.status,
      () => 0, // not listening yet
    );
    if (status === 200) return true;
    if (deps.now() >= deadline) return false;
    await deps.sleep(200);
  }
};

const systemWait: WaitDeps = {
  fetch: (url) => fetch(url, { signal: AbortSignal.timeout(1000) }),
  now: () => Date.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

const run = async (f: InitFlags): Promise<number> => {
  if (f.waitReady) {
    const seconds = Number(f.waitTimeout);
    const ready = await waitReady(f.waitReady, (Number.isFinite(seconds) ? seconds : 120) * 1000, systemWait);
    if (!ready) process.stderr.write(`weft init: ${f.waitReady} not ready after ${f.waitTimeout}s\n`);
    return ready ? 0 : 1;
  }
  const o = captureFromFlags(f);
  if (!o.ok) {
    process.stderr.write(`weft init: ${formatIssues(o.error)}\n`);
    return 2;
  }
  if (f.dryRun) {
    process.stdout.write(dryRunText(o.value));
    return 0;
  }
  const bins = { 4: f.iptablesRestore, 6: f.ip6tablesRestore ?? 'ip6tables-restore' };
  const results = await restoreFamilies(o.value, bins, ipv6State());
  for (const r of results.filter((x) => x.code !== 0))
    process.stderr.write(
      `weft init: ${bins[r.family]} failed (exit ${r.code}): ${r.stderr.trim()}\n` +
        (r.fatal
          ? 'the init container needs NET_ADMIN and NET_RAW and must run as root; rules were:\n' +
            `${iptablesRules(o.value, r.family).join('\n')}\n`
          : 'IPv6 is not captured, but this pod has no routable IPv6 address, so nothing leaves it uncaptured\n'),
    );
  if (results.some((r) => r.fatal)) return 1;
  process.stdout.write(
    `weft init: capture rules installed (${results
      .filter((r) => r.code === 0)
      .map((r) => `IPv${r.family}`)
      .join(', ')})\n`,
  );
  return 0;
};

const d = DEFAULT_VALUES;

export const initCommand = (): Command =>
  new Command('init')
    .description('install the traffic-capture rules in this pod (the injected init container)')
    .addOption(
      envOption('--proxy-uid <uid>', 'UID the sidecar runs as: its traffic is not captured').default(
        String(d.proxyUid),
      ),
    )
    .addOption(
      envOption('--outbound-port <port>', 'sidecar outbound listener').default(String(d.ports.outbound)),
    )
    .addOption(
      envOption('--inbound-port <port>', 'sidecar inbound listener').default(String(d.ports.inbound)),
    )
    .addOption(
      envOption('--exclude-outbound-ports <ports>', 'destination ports not captured, e.g. 5432,8000-8100'),
    )
    .addOption(
      envOption(
        '--exclude-outbound-cidrs <cidrs>',
        'destination networks not captured, e.g. 10.0.0.0/8,fd00::/8',
      ),
    )
    .addOption(
      envOption('--exclude-inbound-ports <ports>', 'pod ports reached directly, not through the sidecar'),
    )
    .addOption(
      envOption('--dry-run', 'print the iptables-restore and ip6tables-restore input instead of applying it'),
    )
    .addOption(envOption('--iptables-restore <path>', 'iptables-restore binary').default('iptables-restore'))
    .addOption(
      envOption('--ip6tables-restore <path>', 'ip6tables-restore binary (IPv6 rules)').default(
        'ip6tables-restore',
      ),
    )
    .addOption(
      envOption('--wait-ready <url>', 'instead: wait until this URL answers 200 (sidecar readiness)'),
    )
    .addOption(
      envOption('--wait-timeout <seconds>', 'with --wait-ready: give up after this long').default('120'),
    )
    .action(async (f: InitFlags) => {
      process.exitCode = await run(f);
    });
