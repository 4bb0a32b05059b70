// The capture rules as golden text (injector/fixtures/iptables/*.rules): a change to them is a
// change to every meshed pod's networking, so it shows up in review as a diff of these files.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureArgs, iptablesRules, type CaptureOptions, type IpFamily } from './iptables-rules.ts';

const dir = join(import.meta.dirname, '../fixtures/iptables');
const base: CaptureOptions = {
  proxyUid: 1337,
  outboundPort: 15001,
  inboundPort: 15006,
  excludeInboundPorts: [
    { from: 15090, to: 15090 },
    { from: 15021, to: 15021 },
  ],
  excludeOutboundPorts: [],
  excludeOutboundCidrs: [],
};
const golden: [string, CaptureOptions][] = [
  ['default', base],
  [
    'exclusions',
    {
      ...base,
      proxyUid: 2000,
      excludeInboundPorts: [...base.excludeInboundPorts, { from: 9100, to: 9102 }],
      excludeOutboundPorts: [
        { from: 5432, to: 5432 },
        { from: 8000, to: 8100 },
      ],
      excludeOutboundCidrs: ['169.254.169.254/32', 'fd00:10:96::/112', '10.96.0.0/12'],
    },
  ],
];

describe('iptablesRules', () => {
  it.each(golden.flatMap(([name, o]) => [4, 6].map((f) => [name, f as IpFamily, o] as const)))(
    '%s (IPv%s) matches its golden file',
    (name, family, o) => {
      const text = `${iptablesRules(o, family).join('\n')}\n`;
      const file = join(dir, family === 4 ? `${name}.rules` : `${name}.v6.rules`);
      if (process.env['WEFT_UPDATE_GOLDEN'] === '1') writeFileSync(file, text);
      expect(text).toBe(readFileSync(file, 'utf8'));
    },
  );

  it('gives each family only its own excluded networks', () => {
    const o = golden[1]?.[1] ?? base;
    const cidrs = (f: IpFamily) => iptablesRules(o, f).filter((l) => l.includes(' -d '));
    expect(cidrs(4).join('\n')).not.toContain(':');
    expect(cidrs(6)).toEqual(['-A WEFT_OUTPUT -d fd00:10:96::/112 -j RETURN']);
  });

  it('returns the proxy UID before anything is redirected, and loopback before exclusions', () => {
    const out = iptablesRules(base).filter((l) => l.startsWith('-A WEFT_OUTPUT'));
    expect(out[0]).toBe('-A WEFT_OUTPUT -m owner --uid-owner 1337 -j RETURN');
    expect(out[1]).toBe('-A WEFT_OUTPUT -o lo -j RETURN');
    expect(out.at(-1)).toBe('-A WEFT_OUTPUT -j WEFT_REDIRECT');
  });

  it('declares every chain it uses and ends with COMMIT', () => {
    const lines = iptablesRules(golden[1]?.[1] ?? base);
    const declared = new Set(lines.filter((l) => l.startsWith(':')).map((l) => l.slice(1).split(' ')[0]));
    const used = lines
      .filter((l) => l.startsWith('-A'))
      .flatMap((l) => [l.split(' ')[1], /-j (\S+)/.exec(l)?.[1]]);
    for (const c of used)
      if (c && /^[A-Z_]+$/.test(c) && !['RETURN', 'REDIRECT'].includes(c)) expect(declared).toContain(c);
    expect(lines.at(-1)).toBe('COMMIT');
  });

  it('captureArgs round-trips through the weft init flags', () => {
    expect(captureArgs(golden[1]?.[1] ?? base)).toEqual([
      '--proxy-uid',
      '2000',
      '--outbound-port',
      '15001',
      '--inbound-port',
      '15006',
      '--exclude-inbound-ports',
      '15090,15021,9100-9102',
      '--exclude-outbound-ports',
      '5432,8000-8100',
      '--exclude-outbound-cidrs',
      '169.254.169.254/32,fd00:10:96::/112,10.96.0.0/12',
    ]);
  });
});
