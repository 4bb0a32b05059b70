// Parsers for the capture exclusions, shared by the pod annotations and `weft init` flags:
// "80, 443, 8000-8100" port lists and "10.0.0.0/8, 169.254.169.254" IPv4 CIDR lists.
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

/** "10.0.0.0/8, 169.254.169.254" → ["10.0.0.0/8", "169.254.169.254/32"]; IPv4 only (the rules are iptables). */
export const parseCidrList = (text: string, path: string): Result<string[]> => {
  const issues: ConfigIssue[] = [];
  const out: string[] = [];
  for (const entry of split(text)) {
    const [ip = '', bits = '32', extra] = entry.split('/');
    const octets = ip.split('.');
    const validBits = /^\d{1,2}$/.test(bits) && Number(bits) <= 32;
    if (octets.length !== 4 || !octets.every(octet) || !validBits || extra !== undefined) {
      const hint = ip.includes(':') ? ' (IPv6 is not captured, so it needs no exclusion)' : '';
      issues.push({ path, message: `"${entry}" is not an IPv4 address or CIDR such as 10.0.0.0/8${hint}` });
    } else out.push(`${octets.map(Number).join('.')}/${Number(bits)}`);
  }
  return issues.length ? err(issues) : ok(out);
};
