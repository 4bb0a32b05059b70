import { describe, expect, it } from 'vitest';
import { parseCidrList, parsePortList } from './port-list.ts';

describe('parsePortList', () => {
  it.each([
    ['', []],
    ['80', [{ from: 80, to: 80 }]],
    [
      ' 80 , 443,',
      [
        { from: 80, to: 80 },
        { from: 443, to: 443 },
      ],
    ],
    ['8000-8100', [{ from: 8000, to: 8100 }]],
    ['8000:8100', [{ from: 8000, to: 8100 }]],
  ])('%j parses', (text, expected) => {
    expect(parsePortList(text, 'p')).toEqual({ ok: true, value: expected });
  });

  it.each(['0', '65536', 'http', '100-50', '1-2-3', '-5', '80.5'])(
    '%j is rejected with the entry named',
    (text) => {
      const r = parsePortList(`443,${text}`, 'annotations[x]');
      expect(r.ok).toBe(false);
      if (!r.ok)
        expect(r.error).toEqual([{ path: 'annotations[x]', message: expect.stringContaining(`"${text}"`) }]);
    },
  );
});

describe('parseCidrList', () => {
  it('normalises addresses to CIDRs', () => {
    expect(parseCidrList('169.254.169.254, 10.0.0.0/8', 'c')).toEqual({
      ok: true,
      value: ['169.254.169.254/32', '10.0.0.0/8'],
    });
  });

  it.each(['10.0.0.0/33', '256.1.1.1', '10.0.0', 'fd00::/129', 'fd00::g/8', '10.0.0.0/8/1', '10.0.0.0/'])(
    '%j is rejected',
    (text) => {
      const r = parseCidrList(text, 'c');
      expect(r.ok).toBe(false);
    },
  );

  it('takes IPv6 CIDRs too (for the ip6tables rules), normalised', () => {
    expect(parseCidrList('FD00::/8, 2001:db8::1', 'c')).toEqual({
      ok: true,
      value: ['fd00::/8', '2001:db8::1/128'],
    });
  });
});
