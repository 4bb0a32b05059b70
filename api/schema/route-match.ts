// The request matcher shared by TrafficPolicy routes and FaultInjection: path regex, methods,
// headers; normalised to api/model RouteMatch (header names lower case, "*" = any method).
import { z } from 'zod';
import type { RouteMatch } from '../model/snapshot.ts';
import { headerRegexes, name, oneOf, regex } from './fields.ts';

export const HTTP_METHODS = [
  '*',
  'GET',
  'HEAD',
  'PUT',
  'POST',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
] as const;

export const normaliseMatch = (m: {
  name?: string | undefined;
  pathRegex?: string | undefined;
  methods?: readonly string[] | undefined;
  headers?: Readonly<Record<string, string>> | undefined;
}): RouteMatch => {
  const out: { -readonly [K in keyof RouteMatch]: RouteMatch[K] } = {};
  if (m.name !== undefined) out.name = m.name;
  if (m.pathRegex !== undefined) out.pathRegex = m.pathRegex;
  if (m.methods && m.methods.length > 0 && !m.methods.includes('*')) out.methods = [...m.methods];
  if (m.headers && Object.keys(m.headers).length > 0)
    out.headers = Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k.toLowerCase(), v]));
  return out;
};

export const routeMatchSchema = z
  .strictObject({
    name: name().optional(),
    pathRegex: regex().optional(),
    methods: z.array(oneOf(HTTP_METHODS)).max(HTTP_METHODS.length).optional(),
    headers: headerRegexes().optional(),
  })
  .transform(normaliseMatch);
