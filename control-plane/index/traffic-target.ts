// SMI TrafficTarget (access.smi-spec.io v1alpha2–v1alpha4, as OSM reads v1alpha3) with its
// HTTPRouteGroup/TCPRoute rules → one AuthzView per destination service account. Pure; every
// problem is a ConfigIssue. Fails closed: a target whose destination parses still selects it,
// so a broken rule denies traffic instead of silently lifting the policy.
import { z } from 'zod';
import type { AuthzRule, AuthzView } from '../../api/model/authz.ts';
import type { ConfigIssue } from '../../api/model/result.ts';
import type { RouteMatch } from '../../api/model/snapshot.ts';

export interface TrafficTargetInput {
  /** Raw TrafficTarget, TCPRoute and IdentityBinding objects (other kinds are ignored). */
  readonly objects: readonly unknown[];
  /** Parsed HTTPRouteGroups by `namespace/name` (api/schema/http-route-group.ts gives these). */
  readonly httpRouteGroups: ReadonlyMap<string, readonly (RouteMatch & { readonly name: string })[]>;
  /** metadata.namespace when absent. */
  readonly defaultNamespace: string;
}

export interface AuthzIndex {
  /** Keyed by destination service account `namespace/name`; absent key = no policy. */
  readonly byServiceAccount: Readonly<Record<string, AuthzView>>;
  readonly issues: readonly ConfigIssue[];
}

const meta = z.looseObject({ name: z.string().min(1), namespace: z.string().min(1).optional() });
const ref = z.looseObject({
  kind: z.string(),
  name: z.string().min(1),
  namespace: z.string().min(1).optional(),
});
const trafficTarget = z.looseObject({
  apiVersion: z.enum([
    'access.smi-spec.io/v1alpha2',
    'access.smi-spec.io/v1alpha3',
    'access.smi-spec.io/v1alpha4',
  ]),
  kind: z.literal('TrafficTarget'),
  metadata: meta,
  spec: z.looseObject({
    destination: ref,
    rules: z
      .array(
        z.looseObject({ kind: z.string(), name: z.string().min(1), matches: z.array(z.string()).optional() }),
      )
      .min(1),
    sources: z.array(ref).min(1),
  }),
});
const tcpRoute = z.looseObject({
  kind: z.literal('TCPRoute'),
  metadata: meta,
  spec: z
    .looseObject({
      matches: z.looseObject({ ports: z.array(z.number().int().min(1).max(65535)).optional() }).optional(),
    })
    .optional(),
});
const identityBinding = z.looseObject({
  kind: z.literal('IdentityBinding'),
  metadata: meta,
  spec: z.looseObject({ schemes: z.looseObject({ serviceAccount: z.string().min(1).optional() }) }),
});

type TrafficTarget = z.infer<typeof trafficTarget>;
type Ref = z.infer<typeof ref>;

interface Ctx {
  readonly input: TrafficTargetInput;
  readonly tcpPorts: ReadonlyMap<string, readonly number[] | undefined>;
  /** IdentityBinding `namespace/name` → service account in that namespace. */
  readonly bindings: ReadonlyMap<string, string>;
  readonly issues: ConfigIssue[];
}

const kindOf = (o: unknown): unknown =>
  typeof o === 'object' && o !== null ? (o as { kind?: unknown }).kind : undefined;
const where = (kind: string, ns: string, name: string): string => `${kind} ${ns}/${name}`;

const zodIssues = (o: unknown, e: z.ZodError, ctx: Ctx): void => {
  const m = (o as { metadata?: { name?: unknown; namespace?: unknown } }).metadata ?? {};
  const at = where(
    String(kindOf(o)),
    String(m.namespace ?? ctx.input.defaultNamespace),
    String(m.name ?? '<no name>'),
  );
  for (const i of e.issues) ctx.issues.push({ path: `${at}: ${i.path.join('.')}`, message: i.message });
};

/** Service account `namespace/name` a destination or source names, or undefined (+ issue). */
const serviceAccountOf = (r: Ref, ns: string, at: string, ctx: Ctx): string | undefined => {
  const refNs = r.namespace ?? ns;
  if (r.kind === 'ServiceAccount') return `${refNs}/${r.name}`;
  if (r.kind === 'IdentityBinding') {
    const sa = ctx.bindings.get(`${refNs}/${r.name}`);
    if (sa) return `${refNs}/${sa}`;
    ctx.issues.push({
      path: at,
      message: `IdentityBinding ${refNs}/${r.name} with a serviceAccount scheme not found`,
    });
    return undefined;
  }
  ctx.issues.push({ path: at, message: `kind ${r.kind} unsupported; use ServiceAccount or IdentityBinding` });
  return undefined;
};

const httpMatches = (
  rule: TrafficTarget['spec']['rules'][number],
  ns: string,
  at: string,
  ctx: Ctx,
): RouteMatch[] => {
  const group = ctx.input.httpRouteGroups.get(`${ns}/${rule.name}`);
  if (!group) {
    ctx.issues.push({
      path: at,
      message: `HTTPRouteGroup ${ns}/${rule.name} not found: no route of it is allowed`,
    });
    return [];
  }
  if (!rule.matches) return [...group];
  for (const name of rule.matches)
    if (!group.some((m) => m.name === name))
      ctx.issues.push({ path: at, message: `HTTPRouteGroup ${ns}/${rule.name} has no match named ${name}` });
  return group.filter((m) => rule.matches?.includes(m.name));
};

/** Folds the rules of one target: HTTP rules restrict routes, TCP rules restrict ports. */
const compileRules = (
  tt: TrafficTarget,
  ns: string,
  at: string,
  ctx: Ctx,
): Pick<AuthzRule, 'routes' | 'ports'> => {
  let routes: RouteMatch[] | undefined;
  let ports: number[] | undefined;
  let anyPort = false;
  tt.spec.rules.forEach((rule, i) => {
    const rAt = `${at}: spec.rules[${i}]`;
    if (rule.kind === 'HTTPRouteGroup') routes = [...(routes ?? []), ...httpMatches(rule, ns, rAt, ctx)];
    else if (rule.kind === 'TCPRoute') {
      if (!ctx.tcpPorts.has(`${ns}/${rule.name}`))
        ctx.issues.push({
          path: rAt,
          message: `TCPRoute ${ns}/${rule.name} not found: its ports are not allowed`,
        });
      const p = ctx.tcpPorts.get(`${ns}/${rule.name}`);
      if (ctx.tcpPorts.has(`${ns}/${rule.name}`) && !p?.length) anyPort = true;
      else ports = [...(ports ?? []), ...(p ?? [])];
    } else
      ctx.issues.push({
        path: rAt,
        message: `rule kind ${rule.kind} unsupported; use HTTPRouteGroup or TCPRoute`,
      });
  });
  return {
    ...(routes ? { routes } : {}),
    ...(ports && !anyPort ? { ports: [...new Set(ports)].sort((a, b) => a - b) } : {}),
    // Only unsupported/missing kinds: nothing is allowed by this target.
    ...(!routes && !ports && !anyPort ? { routes: [] } : {}),
  };
};

const addTarget = (tt: TrafficTarget, ctx: Ctx, out: Map<string, AuthzRule[]>): void => {
  const ns = tt.metadata.namespace ?? ctx.input.defaultNamespace;
  const at = where('TrafficTarget', ns, tt.metadata.name);
  // Namespace isolation (OSM, SMI v1alpha4): a target governs only its own namespace.
  if ((tt.spec.destination.namespace ?? ns) !== ns) {
    ctx.issues.push({
      path: `${at}: spec.destination.namespace`,
      message: `must be ${ns}, the TrafficTarget's namespace`,
    });
    return;
  }
  const destination = serviceAccountOf(tt.spec.destination, ns, `${at}: spec.destination`, ctx);
  if (!destination) return;
  const sources = tt.spec.sources
    .map((s, i) => serviceAccountOf(s, ns, `${at}: spec.sources[${i}]`, ctx))
    .filter((s): s is string => s !== undefined);
  const rule: AuthzRule = {
    name: `${ns}/${tt.metadata.name}`,
    sources: [...new Set(sources)].sort(),
    ...compileRules(tt, ns, at, ctx),
  };
  out.set(destination, [...(out.get(destination) ?? []), rule]);
};

const indexSupporting = (input: TrafficTargetInput, issues: ConfigIssue[]): Omit<Ctx, 'input' | 'issues'> => {
  const tcpPorts = new Map<string, readonly number[] | undefined>();
  const bindings = new Map<string, string>();
  const partial: Ctx = { input, tcpPorts, bindings, issues };
  for (const o of input.objects) {
    const kind = kindOf(o);
    if (kind === 'TCPRoute') {
      const r = tcpRoute.safeParse(o);
      if (!r.success) zodIssues(o, r.error, partial);
      else
        tcpPorts.set(
          `${r.data.metadata.namespace ?? input.defaultNamespace}/${r.data.metadata.name}`,
          r.data.spec?.matches?.ports,
        );
    } else if (kind === 'IdentityBinding') {
      const r = identityBinding.safeParse(o);
      if (!r.success) zodIssues(o, r.error, partial);
      else if (r.data.spec.schemes.serviceAccount)
        bindings.set(
          `${r.data.metadata.namespace ?? input.defaultNamespace}/${r.data.metadata.name}`,
          r.data.spec.schemes.serviceAccount,
        );
    }
  }
  return { tcpPorts, bindings };
};

export const buildAuthzIndex = (input: TrafficTargetInput): AuthzIndex => {
  const issues: ConfigIssue[] = [];
  const ctx: Ctx = { input, issues, ...indexSupporting(input, issues) };
  const rules = new Map<string, AuthzRule[]>();
  for (const o of input.objects) {
    if (kindOf(o) !== 'TrafficTarget') continue;
    const parsed = trafficTarget.safeParse(o);
    if (parsed.success) addTarget(parsed.data, ctx, rules);
    else zodIssues(o, parsed.error, ctx);
  }
  // Sorted so equal policy gives an equal snapshot hash regardless of watch order.
  const byServiceAccount = Object.fromEntries(
    [...rules.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([sa, r]) => [sa, { rules: r.sort((a, b) => a.name.localeCompare(b.name)) }]),
  );
  return { byServiceAccount, issues };
};
