// SMI HTTPRouteGroup (specs.smi-spec.io v1alpha1–v1alpha4) normalised to RouteMatch lists.
// Older versions put `matches` at the top level and headers as a list of one-key maps;
// v1alpha3+ use `spec.matches` and a header map. Every form is accepted in every version.
import { z } from 'zod';
import type { RouteMatch } from '../model/snapshot.ts';
import { headerRegexes, name, oneOf, regex } from './fields.ts';
import { MAX_HEADER_MATCHES, MAX_MATCHES } from './limits.ts';
import { envelope } from './meta.ts';
import { HTTP_METHODS, normaliseMatch } from './route-match.ts';

export interface HttpRouteGroupSpec {
  readonly matches: readonly (RouteMatch & { readonly name: string })[];
}

const headers = z
  .union([headerRegexes(), z.array(headerRegexes()).max(MAX_HEADER_MATCHES)])
  .transform((h) => (Array.isArray(h) ? Object.assign({}, ...h) : h));

const httpMatch = z
  .strictObject({
    name: name(),
    pathRegex: regex().optional(),
    methods: z.array(oneOf(HTTP_METHODS)).max(HTTP_METHODS.length).optional(),
    headers: headers.optional(),
  })
  .transform((m) => ({ ...normaliseMatch(m), name: m.name }));

const matches = z.array(httpMatch).max(MAX_MATCHES);

const schemaFor = (version: string, topLevelMatches: boolean) =>
  envelope([`specs.smi-spec.io/${version}`], 'HTTPRouteGroup', {
    spec: z.strictObject({ matches: matches.optional() }).optional(),
    ...(topLevelMatches ? { matches: matches.optional() } : {}),
  }).transform((o, ctx) => {
    const top = (o as { matches?: HttpRouteGroupSpec['matches'] }).matches;
    const inSpec = o.spec?.matches;
    if (top && inSpec)
      ctx.issues.push({
        code: 'custom',
        message: 'write matches either at the top level or under spec, not both',
        input: o,
      });
    const all = inSpec ?? top;
    if (!all) {
      ctx.issues.push({ code: 'custom', path: ['spec', 'matches'], message: 'is required', input: o });
      return z.NEVER;
    }
    const spec: HttpRouteGroupSpec = { matches: all };
    return { metadata: o.metadata, spec };
  });

export const httpRouteGroupSchemas = {
  'specs.smi-spec.io/v1alpha1': schemaFor('v1alpha1', true),
  'specs.smi-spec.io/v1alpha2': schemaFor('v1alpha2', true),
  'specs.smi-spec.io/v1alpha3': schemaFor('v1alpha3', false),
  'specs.smi-spec.io/v1alpha4': schemaFor('v1alpha4', false),
} as const;
