// Cross-object checks about who can be reached: TrafficSplit backends nobody serves, TrafficTargets
// whose rules allow nothing (so every request to the Service is denied), TrafficTargets whose
// destination service account no workload runs as.
import type { AuthzRule } from '../../api/model/authz.ts';
import type { AnalysisContext, Check } from './context.ts';
import { resourcesOf } from './context.ts';
import type { Finding } from './finding.ts';
import { serves } from './workloads.ts';

/** An EndpointSlice lists an endpoint, or a workload in the files backs the Service. */
const hasEndpoints = (ctx: AnalysisContext, namespace: string, name: string): boolean => {
  if ((ctx.model.services.get(`${namespace}/${name}`)?.endpoints.length ?? 0) > 0) return true;
  const svc = resourcesOf(ctx, 'Service').find(
    (s) => s.resource.meta.namespace === namespace && s.resource.meta.name === name,
  );
  const selector = svc?.resource.spec.selector;
  return ctx.workloads.some((w) => serves(w, { namespace, name, selector }));
};

export const splitBackendsWithoutEndpoints: Check = (ctx) =>
  resourcesOf(ctx, 'TrafficSplit').flatMap((s) => {
    const { namespace, name } = s.resource.meta;
    return s.resource.spec.backends.flatMap((b, i): Finding[] => {
      // A backend at weight 0 gets no traffic; a missing Service is the compiler's issue already.
      if (b.weight === 0 || !ctx.model.services.has(`${namespace}/${b.service}`)) return [];
      if (hasEndpoints(ctx, namespace, b.service)) return [];
      return [
        {
          check: 'split-backend-no-endpoints',
          severity: 'error',
          source: s.origin,
          object: `TrafficSplit ${namespace}/${name}`,
          field: `spec.backends[${i}].service`,
          message: `backend Service ${namespace}/${b.service} (weight ${b.weight}) has no endpoints: its share of the requests fails with NO_ENDPOINTS`,
          fix: `run a workload whose pod labels match the selector of Service ${namespace}/${b.service} (locally: a DevWorkload with spec.service ${b.service}), or set this backend's weight to 0`,
        },
      ];
    });
  });

/** A rule admits nothing when its sources or its routes/ports are all gone. */
const admitsNothing = (r: AuthzRule): boolean =>
  r.sources.length === 0 || r.routes?.length === 0 || r.ports?.length === 0;

const servicesRunAs = (ctx: AnalysisContext, serviceAccount: string): string[] => {
  const [ns, sa] = serviceAccount.split('/');
  const accounts = ctx.workloads.filter((w) => w.namespace === ns && w.serviceAccount === sa);
  return resourcesOf(ctx, 'Service')
    .filter((s) =>
      accounts.some((w) =>
        serves(w, {
          namespace: s.resource.meta.namespace,
          name: s.resource.meta.name,
          selector: s.resource.spec.selector,
        }),
      ),
    )
    .map((s) => `${s.resource.meta.namespace}/${s.resource.meta.name}`);
};

const trafficTargets = (ctx: AnalysisContext) =>
  resourcesOf(ctx, 'Opaque').filter((o) => o.resource.objectKind === 'TrafficTarget');

const targetFinding = (
  ctx: AnalysisContext,
  rule: AuthzRule,
  f: Omit<Finding, 'object' | 'source'>,
): Finding => {
  const origin = trafficTargets(ctx).find(
    (t) => `${t.resource.meta.namespace}/${t.resource.meta.name}` === rule.name,
  )?.origin;
  return { ...(origin ? { source: origin } : {}), object: `TrafficTarget ${rule.name}`, ...f };
};

export const trafficTargetsDenyingAll: Check = (ctx) =>
  Object.entries(ctx.model.authz).flatMap(([sa, view]) => {
    if (!view.rules.every(admitsNothing)) return [];
    const services = servicesRunAs(ctx, sa);
    const what = services.length > 0 ? `Service(s) ${services.join(', ')}` : `service account ${sa}`;
    return view.rules.map((rule) =>
      targetFinding(ctx, rule, {
        check: 'traffic-target-denies-all',
        severity: 'error',
        field: 'spec.rules',
        message: `no rule of the TrafficTargets for service account ${sa} allows any request, so every mesh request to ${what} is denied`,
        fix: 'name an existing HTTPRouteGroup (and match names it has) or TCPRoute in spec.rules, and existing service accounts in spec.sources; or delete the TrafficTarget to lift the policy',
      }),
    );
  });

export const trafficTargetsTargetingNothing: Check = (ctx) =>
  Object.entries(ctx.model.authz).flatMap(([sa, view]) => {
    const [ns, name] = sa.split('/');
    const inNamespace = ctx.workloads.filter((w) => w.namespace === ns);
    // Without any workload of the namespace in the files, absence proves nothing.
    if (inNamespace.length === 0 || inNamespace.some((w) => w.serviceAccount === name)) return [];
    return view.rules.map((rule) =>
      targetFinding(ctx, rule, {
        check: 'policy-targets-nothing',
        severity: 'warning',
        field: 'spec.destination',
        message: `no workload runs as service account ${sa}: this TrafficTarget protects nothing`,
        fix: `set spec.destination.name to the service account of the workload to protect (${[...new Set(inNamespace.map((w) => w.serviceAccount))].sort().join(', ')} here)`,
      }),
    );
  });
