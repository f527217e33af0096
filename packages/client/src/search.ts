import type { Settings } from './config.js';
import { CliError } from './errors.js';
import { registryApi, type SearchResponse } from './api.js';

export type { SearchResponse };

export async function searchCommand(settings: Settings, opts: { query: string; size: number }) {
  if (!Number.isInteger(opts.size) || opts.size < 1 || opts.size > 250) throw new CliError('--size takes a whole number from 1 to 250');
  return registryApi(settings).search(opts.query, opts.size);
}

const fit = (s: string, width: number) => (s.length <= width ? s : `${s.slice(0, Math.max(0, width - 1))}…`);

/** A compact table sized to the terminal, and the exact install line for the top hit. */
export function formatSearch(r: SearchResponse, columns: number): string {
  if (r.objects.length === 0) return 'no packages match; try fewer words, or a prefix';
  const rows = r.objects.map((o) => [
    o.package.name,
    o.package.version,
    o.package.description ?? '',
    String(o.downloads.monthly),
    o.capabilities.join(',') || '-',
  ]);
  const head = ['NAME', 'VERSION', 'DESCRIPTION', 'DOWNLOADS', 'CAPABILITIES'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  // The description takes what the other columns leave of the terminal width.
  const others = widths.reduce((a, w, i) => (i === 2 ? a : a + w), 0) + 2 * (head.length - 1);
  widths[2] = Math.max(12, Math.min(widths[2]!, columns - others));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? fit(c, widths[i]!) : fit(c, widths[i]!).padEnd(widths[i]!))).join('  ');
  const top = r.objects[0]!.package;
  return [line(head), ...rows.map(line), '', `${r.total} match${r.total === 1 ? '' : 'es'}; top hit:`, `  unjucks install ${top.name}@${top.version}`].join(
    '\n',
  );
}
