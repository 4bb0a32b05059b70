// Terminal table of `weft edges`: one line per caller → destination workload pair.
import type { EdgeRow } from '../mesh-view/edge-figures.ts';
import { renderTable } from '../mesh-view/table.ts';

/** Shown for callers the destination could not identify (plaintext, accepted under PERMISSIVE). */
export const UNIDENTIFIED = '(no identity)';

const MTLS_TEXT = { yes: 'yes', no: 'NO (plaintext)', partial: 'PARTIAL' } as const;

export const renderEdges = (rows: readonly EdgeRow[]): string => {
  const table = renderTable(
    ['SOURCE', 'DESTINATION', 'REQUESTS', 'SUCCESS', 'P99ms', 'MTLS'],
    rows.map((r) => [
      r.source ?? UNIDENTIFIED,
      r.destination,
      String(Math.round(r.requests)),
      r.success === null ? '-' : `${(100 * r.success).toFixed(1)}%`,
      r.p99 === null ? '-' : (r.p99 * 1000).toFixed(1),
      r.mtls === 'partial'
        ? `${MTLS_TEXT.partial} (${Math.round(r.plaintextRequests)} plaintext)`
        : MTLS_TEXT[r.mtls],
    ]),
  );
  return rows.length === 0 ? `${table}\n(no requests between workloads yet)` : table;
};
