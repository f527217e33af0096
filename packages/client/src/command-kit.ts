// What the command files in commands/ share: the options every command takes and how results print.
// Light on purpose: `unjucks <cmd> --help` loads this and the command's file, nothing else.
import type { Output } from './accounts.js';
import type { PackageSource } from './source.js';

/** Every command takes these (README: "Every client command takes --registry URL and --json"). */
export const commonArgs = {
  registry: { type: 'string', valueHint: 'URL', description: 'the registry to use; else UNJUCKS_REGISTRY, else the one saved by login' },
  json: { type: 'boolean', description: 'print the result as JSON on stdout; an error prints {"error": ...} there too' },
  help: { type: 'boolean', alias: 'h', description: 'show this help' },
} as const;

/** The project folder of the commands that install into one. */
export const dirArg = { dir: { type: 'string', valueHint: 'D', description: 'the project folder (default .)' } } as const;

/** The commands that read package documents through the cache ($XDG_CACHE_HOME/unjucks, else ~/.cache/unjucks). */
export const cacheArgs = {
  offline: { type: 'boolean', description: 'use only the cache; fail on anything not in it' },
  'prefer-offline': { type: 'boolean', description: 'use cached package documents without asking the registry' },
} as const;

/** Prints the JSON for --json, else the lines for people. */
export function emit(flags: { json?: boolean }, json: unknown, text: () => void): void {
  if (flags.json) console.log(JSON.stringify(json, null, 2));
  else text();
}

export const emitOutput = (flags: { json?: boolean }, o: Output) => emit(flags, o.json, () => console.log(o.text));

/** What the cache had to say (stale documents used offline, and such), on stderr so --json stays parseable. */
export const printNotes = (s: PackageSource) => s.notes.forEach((n) => console.error(`unjucks: note: ${n}`));
