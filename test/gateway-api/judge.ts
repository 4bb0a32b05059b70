// One answer against one case: the upstream mesh harness's checks (status, headers the backend
// saw or must not see, response headers, backend pod prefix) plus the intent it leaves unchecked
// (the path the backend saw, a redirect's Location). Pure; returns every failure at once.
import type { IncomingHttpHeaders } from 'node:http';
import type { Case } from './cases.ts';
import type { EchoSeen } from './echo-backend.ts';

export interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The echo backend's report; undefined when the answer did not come from it. */
  readonly seen?: EchoSeen;
}

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

const statusFailures = (c: Case, a: Answer): string[] => {
  const statuses = c.status ?? [200];
  return statuses.includes(a.status) ? [] : [`status ${a.status}, expected ${statuses.join(' or ')}`];
};

/** Headers the backend saw: each expected one equal once joined by `,`; removed ones absent. */
const requestHeaderFailures = (c: Case, a: Answer): string[] => {
  const seen = a.seen?.headers ?? {};
  const wrong = Object.entries(c.seen ?? {})
    .filter(([name, value]) => seen[name.toLowerCase()]?.join(',') !== value)
    .map(
      ([name, value]) =>
        `backend saw ${name}: ${seen[name.toLowerCase()]?.join(',') ?? '(absent)'}, expected ${value}`,
    );
  const kept = (c.notSeen ?? [])
    .filter((n) => seen[n.toLowerCase()])
    .map((n) => `backend saw ${n}, which must be removed`);
  return [...wrong, ...kept];
};

const responseHeaderFailures = (c: Case, a: Answer): string[] => {
  const wrong = Object.entries(c.response ?? {})
    .filter(([name, value]) => first(a.headers[name.toLowerCase()]) !== value)
    .map(
      ([name, value]) =>
        `response ${name}: ${first(a.headers[name.toLowerCase()]) ?? '(absent)'}, expected ${value}`,
    );
  const present = (c.responseAbsent ?? [])
    .filter((n) => a.headers[n.toLowerCase()] !== undefined)
    .map((n) => `response carries ${n}, which must be absent`);
  return [...wrong, ...present];
};

const intentFailures = (c: Case, a: Answer): string[] => [
  ...(c.backend !== undefined && !a.seen?.pod.startsWith(c.backend)
    ? [`answered by ${a.seen?.pod ?? '(no backend)'}, expected ${c.backend}`]
    : []),
  ...(c.backendPath !== undefined && a.seen?.path !== c.backendPath
    ? [`backend saw path ${a.seen?.path ?? '(none)'}, expected ${c.backendPath}`]
    : []),
  ...(c.location !== undefined && a.headers.location !== c.location
    ? [`Location ${a.headers.location ?? '(absent)'}, expected ${c.location}`]
    : []),
];

export const judge = (c: Case, a: Answer): string[] => [
  ...statusFailures(c, a),
  ...requestHeaderFailures(c, a),
  ...responseHeaderFailures(c, a),
  ...intentFailures(c, a),
];

/** A pod name less its last two `-` parts is its backend (echo-v1-5d8f7c9b8-x2x7q → echo-v1). */
export const backendOf = (pod: string): string => pod.split('-').slice(0, -2).join('-');

/** The upstream weighted check: every expected backend, and each share within the tolerance. */
export const judgeWeights = (
  counts: ReadonlyMap<string, number>,
  total: number,
  expected: Readonly<Record<string, number>>,
  tolerance: number,
): string[] => {
  const out: string[] = [];
  for (const b of counts.keys()) if (!(b in expected)) out.push(`unexpected backend ${b}`);
  const wanted = Object.entries(expected).filter(([, w]) => w > 0);
  if (counts.size !== wanted.length) out.push(`saw ${counts.size} backends, expected ${wanted.length}`);
  for (const [b, w] of wanted) {
    const share = (counts.get(b) ?? 0) / total;
    if (Math.abs(share - w) > tolerance)
      out.push(`${b} got ${share.toFixed(3)}, expected ${w} ± ${tolerance}`);
  }
  return out;
};
