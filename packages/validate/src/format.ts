import type { ValidationReport } from '@unjucks/core';

/** A compiler-style listing: findings grouped by file, errors first, then a summary line. */
export function formatReport(report: ValidationReport): string {
  const byFile = new Map<string, ValidationReport['findings']>();
  for (const f of report.findings) byFile.set(f.file ?? '(package)', [...(byFile.get(f.file ?? '(package)') ?? []), f]);
  const lines: string[] = [];
  for (const [file, list] of [...byFile.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(file);
    list.sort((a, b) => (a.severity === b.severity ? (a.line ?? 0) - (b.line ?? 0) : a.severity === 'error' ? -1 : 1));
    for (const f of list) {
      const pos = f.line ? `${f.line}:${f.column ?? 1}` : '-';
      lines.push(`  ${pos.padEnd(8)} ${f.severity.padEnd(7)} ${f.rule.padEnd(32)} ${f.message}`);
      lines.push(`  ${''.padEnd(8)} ${''.padEnd(7)} ${''.padEnd(32)} hint: ${f.hint}`);
    }
  }
  if (report.capabilities.length) lines.push(`capabilities: ${report.capabilities.join(', ')}`);
  lines.push(`${report.errors} error(s), ${report.warnings} warning(s); quality ${report.quality}/100`);
  return lines.join('\n');
}
