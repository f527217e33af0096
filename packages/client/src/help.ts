import type { ArgsDef, CommandMeta } from 'citty';

// `unjucks --help` and `unjucks <cmd> --help`, written from the commands' definitions (meta, args and
// their descriptions), so the help cannot drift from what the commands accept. Plain text in the
// house style rather than citty's renderUsage: that one colours piped output and pads every line.

export interface HelpEntry {
  name: string;
  meta: CommandMeta;
}

const WIDTH = 100;

/** Words re-flowed to the width, every line after the first indented to the description column. */
function wrap(text: string, indent: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && indent + line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines.join(`\n${' '.repeat(indent)}`);
}

/** Two columns: a long left cell puts its description on the next line. */
function columns(rows: [string, string][]): string {
  const left = Math.min(24, Math.max(...rows.map(([l]) => l.length)));
  return rows
    .map(([l, d]) => (l.length > left ? `  ${l}\n${' '.repeat(left + 4)}${wrap(d, left + 4)}` : `  ${l.padEnd(left)}  ${wrap(d, left + 4)}`))
    .join('\n');
}

const aliasesOf = (meta: CommandMeta) => (meta.alias ? [meta.alias].flat() : []);

function optionRows(args: ArgsDef): [string, string][] {
  return Object.entries(args)
    .filter(([, def]) => def.type !== 'positional')
    .map(([name, def]) => {
      const short = ('alias' in def && def.alias ? [def.alias].flat() : []).filter((a) => a.length === 1).map((a) => `-${a}, `);
      const value = def.type === 'boolean' ? '' : ` ${def.valueHint ?? name.toUpperCase()}`;
      return [`${short.join('')}--${name}${value}`, def.description ?? ''];
    });
}

export function mainHelp(name: string, meta: CommandMeta, args: ArgsDef, commands: HelpEntry[], epilogue: string): string {
  return [
    `usage: ${name} <command> [options]`,
    '',
    wrap(meta.description ?? '', 0),
    '',
    'commands:',
    columns(commands.map((c) => [[c.name, ...aliasesOf(c.meta)].join(', '), c.meta.description ?? ''])),
    '',
    'options:',
    columns(optionRows(args)),
    '',
    `Run \`${name} <command> --help\` for the arguments and options of a command.`,
    '',
    epilogue,
  ].join('\n');
}

export function commandHelp(parent: string, command: HelpEntry, args: ArgsDef): string {
  const positionals = Object.entries(args).filter(([, def]) => def.type === 'positional');
  const call = positionals.map(([n, def]) => (def.required === false || def.default !== undefined ? `[${def.valueHint ?? n}]` : `<${def.valueHint ?? n}>`));
  const aliases = aliasesOf(command.meta);
  return [
    `usage: ${parent} ${command.name} ${[...call, '[options]'].join(' ')}`,
    ...(aliases.length ? [`alias: ${aliases.map((a) => `${parent} ${a}`).join(', ')}`] : []),
    '',
    wrap(command.meta.description ?? '', 0),
    ...(positionals.length ? ['', 'arguments:', columns(positionals.map(([n, def]) => [n, def.description ?? '']))] : []),
    '',
    'options:',
    columns(optionRows(args)),
    '',
  ].join('\n');
}
