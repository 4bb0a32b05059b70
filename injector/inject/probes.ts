// Kubelet probes under STRICT mTLS: kubelet connects in plain text from the node, which the
// inbound capture would hand to the sidecar's mTLS listener. So each HTTP, TCP or gRPC probe of an
// app container is rewritten to GET /app-health/<container>/<livez|readyz|startupz> on the
// sidecar's probe port (excluded from capture); the sidecar runs the original probe against the
// app over loopback. The originals travel to the sidecar as JSON in WEFT_APP_PROBES.
import type { Json, JsonObject } from './json.ts';
import type { Container, Probe } from './kube-types.ts';

const PROBES = [
  ['livenessProbe', 'livez'],
  ['readinessProbe', 'readyz'],
  ['startupProbe', 'startupz'],
] as const;
const ACTIONS = ['httpGet', 'tcpSocket', 'grpc'] as const;

/** What the sidecar runs for one rewritten probe: the original action with its port resolved. */
export interface OriginalProbe {
  readonly kind: (typeof ACTIONS)[number];
  readonly action: JsonObject;
  readonly timeoutSeconds?: number;
}

export interface ProbeRewrite {
  readonly containers: Container[];
  /** Keyed by the rewritten path, e.g. "/app-health/web/readyz". */
  readonly originals: Readonly<Record<string, OriginalProbe>>;
}

/** A probe port: a number, or the name of one of the container's ports. */
const resolvePort = (c: Container, port: Json | undefined): number | undefined => {
  if (typeof port === 'number') return port;
  if (typeof port !== 'string') return undefined;
  if (/^\d+$/.test(port)) return Number(port);
  return c.ports?.find((p) => p.name === port)?.containerPort;
};

const actionOf = (probe: Probe): [(typeof ACTIONS)[number], JsonObject] | undefined => {
  for (const kind of ACTIONS) {
    const action = probe[kind];
    if (action) return [kind, action];
  }
  return undefined;
};

const rewriteOne = (
  c: Container,
  probe: Probe,
  path: string,
  probePort: number,
): { probe: Probe; original: OriginalProbe } | undefined => {
  const found = actionOf(probe);
  if (!found) return undefined; // exec probes run inside the container: nothing to rewrite
  const [kind, action] = found;
  // A probe aimed at another host, or at a port we cannot resolve, is left for kubelet as written.
  if (typeof action['host'] === 'string' && action['host'] !== '') return undefined;
  const port = resolvePort(c, action['port']);
  if (port === undefined) return undefined;
  const httpGet: JsonObject = { path, port: probePort, scheme: 'HTTP' };
  // Rebuild key by key so the rewritten probe keeps its fields in their original order.
  const rewritten = Object.fromEntries(
    Object.entries(probe).map(([k, v]) => (k === kind ? ['httpGet', httpGet] : [k, v])),
  ) as Probe;
  const timeout = probe['timeoutSeconds'];
  return {
    probe: rewritten,
    original: {
      kind,
      action: { ...action, port },
      ...(typeof timeout === 'number' ? { timeoutSeconds: timeout } : {}),
    },
  };
};

export const rewriteProbes = (containers: readonly Container[], probePort: number): ProbeRewrite => {
  const originals: Record<string, OriginalProbe> = {};
  const out = containers.map((c) => {
    let next: Container = c;
    for (const [field, name] of PROBES) {
      const probe = c[field];
      if (!probe) continue;
      const path = `/app-health/${c.name}/${name}`;
      const r = rewriteOne(c, probe, path, probePort);
      if (!r) continue;
      originals[path] = r.original;
      next = { ...next, [field]: r.probe };
    }
    return next;
  });
  return { containers: out, originals };
};
