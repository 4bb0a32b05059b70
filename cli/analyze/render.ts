// Terminal form of `weft analyze`: one block per finding (severity, object, field, source, then
// what is wrong and the fix), and a last line that counts them.
import type { Finding } from './finding.ts';

const mark = (f: Finding): string => (f.severity === 'error' ? '× error  ' : '‼ warning');

export const renderFindings = (findings: readonly Finding[], objects: number): string => {
  if (findings.length === 0) return `✓ no findings in ${objects} objects`;
  const errors = findings.filter((f) => f.severity === 'error').length;
  const blocks = findings.map((f) =>
    [
      `${mark(f)} ${f.object}${f.field ? ` ${f.field}` : ''}${f.source ? `  (${f.source})` : ''}  [${f.check}]`,
      `    ${f.message}`,
      `    fix: ${f.fix}`,
    ].join('\n'),
  );
  return [
    ...blocks,
    `${findings.length} finding(s): ${errors} error(s), ${findings.length - errors} warning(s) in ${objects} objects`,
  ].join('\n');
};
