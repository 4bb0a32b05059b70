// Terminal tables of `weft diagnose`, one per aspect: what the sidecar runs (config), whom it
// balances over (endpoints), what identity it holds (certs) and which policies act (policy).
import type { PolicyRules } from '../../api/model/policy.ts';
import type { ServiceView } from '../../api/model/snapshot.ts';
import type { CertificateInfo, CertReport } from '../../proxy/admin/cert-report.ts';
import { renderTable } from '../mesh-view/table.ts';
import type { ConfigView, EndpointsPage, PoliciesPage } from './fetch.ts';

const routing = (s: ServiceView): string => {
  if (s.httpRoutes) return 'HTTPRoute rules';
  if (s.split)
    return `split ${s.split.backends.map((b) => `${b.service.split('/')[1]} ${b.weight}`).join(', ')}`;
  return 'direct';
};

const ackState = (c: ConfigView): string => {
  const cp = c.controlPlane;
  if (!cp) return 'not connected to the control plane';
  if (cp.lastNack && cp.lastNack.version === cp.sentVersion)
    return `NACKed ${cp.lastNack.version}: ${cp.lastNack.message}`;
  return cp.ackedVersion && cp.ackedVersion === cp.sentVersion
    ? 'ACKed (current)'
    : `sent ${cp.sentVersion ?? '-'} not yet ACKed`;
};

export const renderConfig = (workload: string, c: ConfigView): string => {
  const services = Object.entries(c.snapshot?.services ?? {});
  return [
    `workload ${workload}: snapshot ${c.version ?? '(none yet)'}, ${ackState(c)}`,
    `identity ${c.snapshot?.workload.identity ?? '-'}, inbound ${c.snapshot?.workload.inboundMode ?? 'STRICT'}`,
    '',
    renderTable(
      ['SERVICE', 'HOSTS', 'PORTS', 'ENDPOINTS', 'ROUTING', 'POLICY', 'FAULTS'],
      services.map(([key, s]) => [
        key,
        s.hosts.slice(0, 2).join(',') + (s.hosts.length > 2 ? ',…' : ''),
        s.ports.map((p) => p.port).join(','),
        String(s.endpoints.length),
        routing(s),
        s.policy?.name ?? '-',
        String(s.faults?.length ?? 0),
      ]),
    ),
  ].join('\n');
};

export const renderEndpoints = (p: EndpointsPage): string =>
  renderTable(
    ['SERVICE', 'ENDPOINT', 'WORKLOAD', 'EWMA ms', 'OUTSTANDING', 'EJECTED', 'TIMES EJECTED'],
    p.services.flatMap((s) =>
      s.endpoints.length === 0
        ? [[s.service, '(none)', '', '', '', '', '']]
        : s.endpoints.map((e) => [
            s.service,
            `${e.address}:${e.port}`,
            e.workload ?? '-',
            e.ewmaMs === null ? '-' : e.ewmaMs.toFixed(2),
            String(e.outstanding),
            e.ejected ? `until ${e.ejectedUntil ?? '?'}` : 'no',
            String(e.timesEjected),
          ]),
    ),
  );

const certRow = (role: string, c: CertificateInfo): string[] => [
  role,
  c.spiffeIds.join(' ') || c.subject,
  c.issuer,
  c.notAfter,
  `${Math.floor(c.expiresInSeconds / 3600)} h`,
  c.serialNumber,
];

export const renderCerts = (r: CertReport): string =>
  r.mtls
    ? [
        `identity ${r.identity ?? '-'} (private key kept in the sidecar, not shown)`,
        '',
        renderTable(
          ['ROLE', 'SUBJECT', 'ISSUER', 'NOT AFTER', 'EXPIRES IN', 'SERIAL'],
          [
            ...r.chain.map((c, i) => certRow(i === 0 ? 'leaf' : 'intermediate', c)),
            ...r.roots.map((c) => certRow('trusted root', c)),
          ],
        ),
      ].join('\n')
    : 'no workload certificate: this sidecar speaks plaintext to its peers (started without --token-file)';

const rules = (r: PolicyRules): string =>
  [
    r.timeoutMs !== undefined ? `timeout ${r.timeoutMs} ms` : '',
    r.retries ? `retries ${r.retries.attempts}` : '',
    r.circuitBreaker ? 'circuit breaker' : '',
    r.outlierDetection ? 'outlier detection' : '',
  ]
    .filter(Boolean)
    .join(', ') || '-';

export const renderPolicies = (p: PoliciesPage): string => {
  const inbound = p.inbound
    ? `inbound: ${p.inbound.inboundMode ?? 'STRICT'}, authorization ${p.inbound.authz ? `${p.inbound.authz.rules.length} TrafficTarget rule(s), deny otherwise` : 'none (all mesh callers allowed)'}`
    : 'inbound: no snapshot yet';
  const rows = p.services.map((s) => {
    const b = s.state.breaker;
    const ejected = (s.state.outliers ?? []).filter((o) => o.ejected).length;
    return [
      s.service,
      s.policy?.name ?? '-',
      s.policy ? rules(s.policy) : '-',
      b
        ? `req ${b.requests.inUse}/${b.requests.max}, retries ${b.retries.inUse}/${b.retries.max}, pending ${b.pendingRequests.inUse}/${b.pendingRequests.max}`
        : '-',
      s.state.outliers ? `${ejected}/${s.state.outliers.length} ejected` : '-',
      s.faults
        .map((f) => `${f.name} ${f.active ? 'active' : 'ended'} (delayed ${f.delayed}, aborted ${f.aborted})`)
        .join('; ') || '-',
    ];
  });
  return [
    inbound,
    '',
    renderTable(['SERVICE', 'POLICY', 'RULES', 'BREAKER IN USE', 'OUTLIERS', 'FAULTS'], rows),
  ].join('\n');
};
