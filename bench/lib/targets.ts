// The performance issue's targets for the weft mesh pair, each next to what HAProxy and Node's
// floor (node-tls-tunnel-mtls-pair: bytes piped through TLS, no HTTP work; for idle RSS node-floor,
// an idle Node process with net/tls/http loaded) reach in the same run. When
// the floor itself misses a target, no Node sidecar can meet it on this machine: the table says so
// rather than leaving the miss to be read as unfinished work.
import { addedLatency, ratio } from './ratios.ts';
import type { RowResult } from './types.ts';

export interface TargetRow {
  readonly target: string;
  readonly weft: number | undefined;
  readonly haproxy: number | undefined;
  readonly floor: number | undefined;
  /** Whether a figure meets the target (undefined: not measured). */
  readonly meets: (x: number | undefined) => boolean | undefined;
}

const byName = (rows: readonly RowResult[], name: string): RowResult | undefined =>
  rows.find((r) => r.name === name && !r.unavailable);

const atMost =
  (limit: number) =>
  (x: number | undefined): boolean | undefined =>
    x === undefined ? undefined : x <= limit;
const atLeast =
  (limit: number) =>
  (x: number | undefined): boolean | undefined =>
    x === undefined ? undefined : x >= limit;

/** Target rows for the HTTP/1.1 mesh pair; `rate` is the open-loop rate latency targets use. */
export const pairTargets = (rows: readonly RowResult[], rate: number): TargetRow[] => {
  const weft = byName(rows, 'weft-mtls-pair');
  const haproxy = byName(rows, 'haproxy-mtls-pair');
  const floor = byName(rows, 'node-tls-tunnel-mtls-pair');
  const undici = byName(rows, 'node-undici-mtls-pair');
  const idleFloor = byName(rows, 'node-floor');
  if (!weft) return [];
  const vsHaproxy = (r: RowResult | undefined) => ratio(r?.closedLoop?.rps, haproxy?.closedLoop?.rps);
  const vsUndici = (r: RowResult | undefined) => ratio(r?.closedLoop?.rps, undici?.closedLoop?.rps);
  const added = (r: RowResult | undefined) => (r ? addedLatency(r, rows, String(rate)) : undefined);
  const haproxyP90 = added(haproxy)?.p90;
  const p90Ratio = (r: RowResult | undefined) => ratio(added(r)?.p90, haproxyP90);
  // Pair rows carry both proxies' CPU and RSS; the targets are per sidecar.
  const perSidecar = (x: number | undefined) => (x === undefined ? undefined : x / 2);
  return [
    {
      target: 'max req/s vs HAProxy pair ≥ 0.8×',
      weft: vsHaproxy(weft),
      haproxy: 1,
      floor: vsHaproxy(floor),
      meets: atLeast(0.8),
    },
    {
      target: 'max req/s vs node:http + undici pair ≥ 3×',
      weft: vsUndici(weft),
      haproxy: vsUndici(haproxy),
      floor: vsUndici(floor),
      meets: atLeast(3),
    },
    {
      target: `added p50 @ ${rate}/s ≤ +0.2 ms`,
      weft: added(weft)?.p50,
      haproxy: added(haproxy)?.p50,
      floor: added(floor)?.p50,
      meets: atMost(0.2),
    },
    {
      target: `added p90 @ ${rate}/s ≤ 1.5× HAProxy's`,
      weft: p90Ratio(weft),
      haproxy: 1,
      floor: p90Ratio(floor),
      meets: atMost(1.5),
    },
    {
      target: 'vCPU per 1000 req/s per sidecar ≤ 0.1',
      weft: perSidecar(weft.cpuSecPer1000),
      haproxy: perSidecar(haproxy?.cpuSecPer1000),
      floor: perSidecar(floor?.cpuSecPer1000),
      meets: atMost(0.1),
    },
    {
      target: 'RSS per sidecar idle ≤ 65 MB',
      weft: perSidecar(weft.rssIdleMb),
      haproxy: perSidecar(haproxy?.rssIdleMb),
      floor: idleFloor?.rssIdleMb,
      meets: atMost(65),
    },
    {
      target: `RSS per sidecar under ${rate} req/s ≤ 80 MB`,
      weft: perSidecar(weft.rssLoadMb),
      haproxy: perSidecar(haproxy?.rssLoadMb),
      floor: perSidecar(floor?.rssLoadMb),
      meets: atMost(80),
    },
  ];
};
