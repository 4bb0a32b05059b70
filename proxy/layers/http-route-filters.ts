// The Gateway API filters as pure functions over weft's request/response types: header edits,
// path rewrites and the redirect answer. The route layer (http-route.ts) decides when each runs.
import type {
  HeaderEditView,
  HttpFilterView,
  HttpMatchView,
  PathModifierView,
} from '../../api/model/http-route.ts';
import type { HeaderMap, MeshRequest, MeshResponse } from '../stack/types.ts';
import { splitAuthority } from './route-match.ts';

/** set replaces, add appends a line, remove deletes; names compared without case. */
export const editHeaders = (headers: HeaderMap, edit: HeaderEditView): HeaderMap => {
  const out: HeaderMap = { ...headers };
  for (const { name, value } of edit.set ?? []) out[name.toLowerCase()] = value;
  for (const { name, value } of edit.add ?? []) {
    const key = name.toLowerCase();
    const had = out[key];
    out[key] = had === undefined ? value : [...(Array.isArray(had) ? had : [had]), value];
  }
  for (const name of edit.remove ?? []) delete out[name];
  return out;
};

const splitQuery = (full: string): [string, string] => {
  const q = full.indexOf('?');
  return q < 0 ? [full, ''] : [full.slice(0, q), full.slice(q)];
};

/**
 * ReplacePrefixMatch swaps the matched prefix (whole segments) and keeps the rest of the path;
 * ReplaceFullPath replaces the path. The query string always stays.
 */
export const rewritePath = (
  full: string,
  modifier: PathModifierView,
  match: HttpMatchView | undefined,
): string => {
  const [path, query] = splitQuery(full);
  if (modifier.type === 'ReplaceFullPath') return `${modifier.value}${query}`;
  const prefix = match?.path?.type === 'PathPrefix' ? match.path.value : path;
  const rest = prefix === '/' ? path : path.slice(prefix.length);
  const base = modifier.value.endsWith('/') ? modifier.value.slice(0, -1) : modifier.value;
  const joined = `${base}${rest.startsWith('/') || rest === '' ? rest : `/${rest}`}`;
  return `${joined === '' ? '/' : joined}${query}`;
};

export const rewriteRequest = (
  req: MeshRequest,
  f: Extract<HttpFilterView, { type: 'URLRewrite' }>,
  match: HttpMatchView | undefined,
): MeshRequest => ({
  ...req,
  ...(f.hostname !== undefined ? { authority: f.hostname } : {}),
  ...(f.path ? { path: rewritePath(req.path, f.path, match) } : {}),
});

const DEFAULT_PORT: Readonly<Record<string, number>> = { http: 80, https: 443 };

/**
 * The redirect answer. Without a port the scheme's well-known port is used when a scheme is set,
 * else the port the request was sent to (the Service port); a well-known port is left out.
 */
export const redirectResponse = (
  req: MeshRequest,
  f: Extract<HttpFilterView, { type: 'RequestRedirect' }>,
  match: HttpMatchView | undefined,
  listenerPort: number,
): MeshResponse => {
  const scheme = f.scheme ?? 'http';
  const host = f.hostname ?? splitAuthority(req.authority).host;
  const port = f.port ?? (f.scheme !== undefined ? DEFAULT_PORT[scheme] : listenerPort);
  const shownPort = port === undefined || port === DEFAULT_PORT[scheme] ? '' : `:${port}`;
  const path = f.path ? rewritePath(req.path, f.path, match) : req.path;
  const bracketed = host.includes(':') ? `[${host}]` : host;
  return {
    status: f.statusCode,
    headers: { location: `${scheme}://${bracketed}${shownPort}${path}`, 'content-length': '0' },
    body: null,
  };
};
