// The traffic-capture rules `weft init` writes into the pod's network namespace (nat table, the
// same rules for IPv4 and IPv6): inbound TCP → the sidecar's inbound port, outbound TCP → its
// outbound port, except the proxy's own traffic (its UID), loopback, and the excluded ports and
// CIDRs (each family gets its own). Pure: the lines are the input of `iptables-restore` /
// `ip6tables-restore` and are tested as golden text; docs/injector.md explains each rule.
import { isIPv6 } from 'node:net';
import { formatPortRange, type PortRange } from './port-list.ts';

export interface CaptureOptions {
  readonly proxyUid: number;
  readonly outboundPort: number;
  readonly inboundPort: number;
  /** Destination ports the app may reach without the sidecar. */
  readonly excludeOutboundPorts: readonly PortRange[];
  /** Destination networks (IPv4 or IPv6 CIDR) the app may reach without the sidecar. */
  readonly excludeOutboundCidrs: readonly string[];
  /** Pod ports reached directly from outside (the sidecar's metrics and probe ports, for one). */
  readonly excludeInboundPorts: readonly PortRange[];
}

export const CHAINS = ['WEFT_INBOUND', 'WEFT_IN_REDIRECT', 'WEFT_OUTPUT', 'WEFT_REDIRECT'] as const;

const dport = (r: PortRange): string => `--dport ${formatPortRange(r, ':')}`;

export type IpFamily = 4 | 6;

const ofFamily = (c: string, family: IpFamily): boolean => isIPv6(c.split('/')[0] ?? '') === (family === 6);

/**
 * iptables-restore (family 4) or ip6tables-restore (6) input for the whole nat table (a full
 * restore, so re-running is idempotent). IPv6 REDIRECT sends outbound connections to [::1] and
 * inbound ones to the pod's IPv6 address, where the sidecar listens too.
 */
export const iptablesRules = (o: CaptureOptions, family: IpFamily = 4): string[] => [
  '*nat',
  ':PREROUTING ACCEPT [0:0]',
  ':INPUT ACCEPT [0:0]',
  ':OUTPUT ACCEPT [0:0]',
  ':POSTROUTING ACCEPT [0:0]',
  ...CHAINS.map((c) => `:${c} - [0:0]`),
  // The two redirect targets: every captured connection ends in one of them.
  `-A WEFT_IN_REDIRECT -p tcp -j REDIRECT --to-ports ${o.inboundPort}`,
  `-A WEFT_REDIRECT -p tcp -j REDIRECT --to-ports ${o.outboundPort}`,
  // Inbound: connections arriving at the pod from outside.
  '-A PREROUTING -p tcp -j WEFT_INBOUND',
  ...o.excludeInboundPorts.map((r) => `-A WEFT_INBOUND -p tcp ${dport(r)} -j RETURN`),
  '-A WEFT_INBOUND -p tcp -j WEFT_IN_REDIRECT',
  // Outbound: connections the pod's processes open.
  '-A OUTPUT -p tcp -j WEFT_OUTPUT',
  // The sidecar's own connections (to peers, the control plane, the app) must not loop back to it.
  `-A WEFT_OUTPUT -m owner --uid-owner ${o.proxyUid} -j RETURN`,
  // Loopback (app to localhost or to its own pod IP) stays inside the pod, uncaptured.
  '-A WEFT_OUTPUT -o lo -j RETURN',
  ...o.excludeOutboundPorts.map((r) => `-A WEFT_OUTPUT -p tcp ${dport(r)} -j RETURN`),
  ...o.excludeOutboundCidrs.filter((c) => ofFamily(c, family)).map((c) => `-A WEFT_OUTPUT -d ${c} -j RETURN`),
  '-A WEFT_OUTPUT -j WEFT_REDIRECT',
  'COMMIT',
];

const list = (ranges: readonly PortRange[]): string => ranges.map((r) => formatPortRange(r)).join(',');

/** The `weft init` arguments that reproduce these options (the injected init container's args). */
export const captureArgs = (o: CaptureOptions): string[] => [
  '--proxy-uid',
  String(o.proxyUid),
  '--outbound-port',
  String(o.outboundPort),
  '--inbound-port',
  String(o.inboundPort),
  ...(o.excludeInboundPorts.length ? ['--exclude-inbound-ports', list(o.excludeInboundPorts)] : []),
  ...(o.excludeOutboundPorts.length ? ['--exclude-outbound-ports', list(o.excludeOutboundPorts)] : []),
  ...(o.excludeOutboundCidrs.length ? ['--exclude-outbound-cidrs', o.excludeOutboundCidrs.join(',')] : []),
];
