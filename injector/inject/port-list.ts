// Parsers for the capture exclusions, shared by the pod annotations and `weft init` flags:
// "80, 443, 8000-8100" port lists and "10.0.0.0/8, 169.254.169.254, fd00::/8" CIDR lists.
import { isIPv6 } from 'node:net';
import { err, ok, type ConfigIssue, type Result } from '../../api/model/result.ts';

export interface PortRange {
  readonly from: number;
  readonly to: number;
}

const split = (text: string): string[] =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

const port = (s: string): number | undefined => {
  if (!/^\d{1,5}$/.test(s)) return undefined;
  const n = Number(s);
  return n >= 1 && n <= 65_535 ? n : undefined;
};

/** "80,443,8000-8100" (or 8000:8100) → ranges; every bad entry is reported. */
export const parsePortList = (text: string, path: string): Result<PortRange[]> => {
  const issues: ConfigIssue[] = [];
  const out: PortRange[] = [];
  for (const entry of split(text)) {
    const [a = '', b, extra] = entry.split(/[-:]/);
    const from = port(a.trim());
    const to = b === undefined ? from : port(b.trim());
    if (from === undefined || to === undefined || extra !== undefined || to < from)
      issues.push({
        path,
        message: `"${entry}" is not a port (1-65535) or range such as 8000-8100; use a comma-separated list`,
      });
    else out.push({ from, to });
  }
  return issues.length ? err(issues) : ok(out);
};

export const formatPortRange = (r: PortRange, sep = '-'): string =>
  r.from === r.to ? String(r.from) : `${r.from}${sep}${r.to}`;

const octet = (s: string): boolean => /^\d{1,3}$/.test(s) && Number(s) <= 255;

/** One IPv4 or IPv6 CIDR, normalised ("10.0.0.1" → "10.0.0.1/32"); undefined when it is none. */
const cidr = (entry: string): string | undefined => {
  const [ip = '', bits, extra] = entry.split('/');
  if (extra !== undefined || (bits !== undefined && !/^\d{1,3}$/.test(bits))) return undefined;
  if (isIPv6(ip))
    return Number(bits ?? 128) <= 128 ? `${ip.toLowerCase()}/${Number(bits ?? 128)}` : undefined;
  const octets = ip.split('.');
  if (octets.length !== 4 || !octets.every(octet) || Number(bits ?? 32) > 32) return undefined;
  return `${octets.map(Number).join('.')}/${Number(bits ?? 32)}`;
};

/**
 * "10.0.0.0/8, 169.254.169.254, fd00::/8" → normalised CIDRs; every bad entry is reported. IPv4
 * entries go into the iptables rules, IPv6 ones into the ip6tables rules.
 */
export const parseCidrList = (text: string, path: string): Result<string[]> => {
  const issues: ConfigIssue[] = [];
  const out: string[] = [];
  for (const entry of split(text)) {
    const c = cidr(entry);
    if (c === undefined)
      issues.push({
        path,
        message: `"${entry}" is not an IP address or CIDR such as 10.0.0.0/8 or fd00::/8`,
      });
    else out.push(c);
  }
  return issues.length ? err(issues) : ok(out);
};
