// Plain aligned text tables for the operator commands: a header row, then one line per row;
// cells are left-aligned and trailing spaces trimmed so output diffs cleanly.
export const renderTable = (columns: readonly string[], rows: readonly (readonly string[])[]): string => {
  const all = [columns, ...rows];
  const widths = columns.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all
    .map((r) =>
      columns
        .map((_, i) => (r[i] ?? '').padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
};
