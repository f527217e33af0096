import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runCommand, type ArgsDef, type CommandDef, type Resolvable } from 'citty';
import { CliError, RegistryError } from './errors.js';
import { forwardToGenerator } from './forward.js';
import { commandHelp, mainHelp } from './help.js';

// citty defines the commands, parses their arguments and dispatches; this adds what `unjucks` did
// before citty and users rely on: options checked strictly per command (citty accepts unknown ones),
// options allowed before the command's name, a word that is not a command handed to the project's
// Unjucks generator, errors in one line (and JSON with --json) with the CliError's exit code, and
// help written from the definitions in the house style (help.ts).

// citty types its own sub-command table with CommandDef<any>: each command has its own argument types.
type Command = CommandDef<any>;

const value = async <T>(v: Resolvable<T>): Promise<T> => (typeof v === 'function' ? (v as () => T | Promise<T>)() : v);
const aliases = (def: object): string[] => ('alias' in def && def.alias ? [def.alias as string | string[]].flat() : []);

async function commands(main: Command): Promise<[string, Command][]> {
  const table = await value(main.subCommands ?? {});
  return Promise.all(Object.entries(table).map(async ([name, cmd]) => [name, await value(cmd)] as [string, Command]));
}

/** A command by name or alias (`ls` for `list`). */
async function find(main: Command, name: string): Promise<[string, Command] | null> {
  const table = await value(main.subCommands ?? {});
  if (Object.hasOwn(table, name)) return [name, await value(table[name]!)];
  for (const [key, cmd] of await commands(main)) if (aliases(await value(cmd.meta ?? {})).includes(name)) return [key, cmd];
  return null;
}

function optionTable(args: ArgsDef) {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const [name, def] of Object.entries(args)) {
    if (def.type === 'positional') continue;
    const short = aliases(def).find((a) => a.length === 1);
    options[name] = { type: def.type === 'boolean' ? 'boolean' : 'string', ...(short ? { short } : {}) };
  }
  return options;
}

/** Options that take a value, of any command: they may come before the command's name, so their value is not taken for it. */
async function valueFlags(main: Command): Promise<Set<string>> {
  const flags = new Set<string>();
  for (const cmd of [main, ...(await commands(main)).map(([, c]) => c)])
    for (const [name, o] of Object.entries(optionTable(await value(cmd.args ?? {}))))
      if (o.type === 'string') [`--${name}`, ...(o.short ? [`-${o.short}`] : [])].forEach((f) => flags.add(f));
  return flags;
}

/** node:util's strict parse: unknown options, a missing value, a value given to a flag are errors, as they always were. */
function checkOptions(args: ArgsDef, argv: string[], helpCommand: string) {
  try {
    parseArgs({ args: argv, options: optionTable(args), allowPositionals: true, strict: true });
  } catch (e) {
    if (!(e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) throw e;
    throw new CliError(`${(e as Error).message} (\`${helpCommand}\` lists the options)`);
  }
}

async function usageOf(main: Command, name: string, cmd: Command): Promise<string> {
  return commandHelp((await value(main.meta ?? {})).name ?? 'unjucks', { name, meta: await value(cmd.meta ?? {}) }, await value(cmd.args ?? {}));
}

async function usage(main: Command, epilogue: string): Promise<string> {
  const meta = await value(main.meta ?? {});
  const entries = await Promise.all((await commands(main)).map(async ([name, cmd]) => ({ name, meta: await value(cmd.meta ?? {}) })));
  return mainHelp(meta.name ?? 'unjucks', meta, await value(main.args ?? {}), entries, epilogue);
}

/** The version in the nearest package.json of @unjucks/client (the workspace package, or the bundle the registry serves). */
async function clientVersion(): Promise<string> {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const json = await readFile(join(dir, 'package.json'), 'utf8').then(JSON.parse, () => null);
    if (json?.name === '@unjucks/client' && typeof json.version === 'string') return json.version;
    if (dirname(dir) === dir) throw new CliError('cannot find the package.json of @unjucks/client to read the version from; reinstall the client');
  }
}

async function dispatch(main: Command, argv: string[], epilogue: string): Promise<void> {
  const end = argv.indexOf('--');
  const flags = end === -1 ? argv : argv.slice(0, end);
  const help = flags.includes('--help') || flags.includes('-h');
  let at = -1;
  let takesValue: Set<string> | undefined;
  for (let i = 0; i < flags.length; i++) {
    const a = flags[i]!;
    if (!a.startsWith('-') || a === '-') {
      at = i;
      break;
    }
    if (!a.includes('=') && (takesValue ??= await valueFlags(main)).has(a)) i++;
  }
  const print = (text: string) => void process.stdout.write(`${text}\n`);
  const showMain = async () => print(await usage(main, epilogue));
  if (at === -1) {
    if (flags.length === 1 && flags[0] === '--version') return print(await clientVersion());
    if (!help) checkOptions(await value(main.args ?? {}), argv, 'unjucks --help');
    return showMain();
  }
  const name = flags[at]!;
  const rest = [...argv.slice(0, at), ...argv.slice(at + 1)];
  if (name === 'help') {
    const topic = rest.find((a) => !a.startsWith('-'));
    const found = topic ? await find(main, topic) : null;
    return found ? print(await usageOf(main, ...found)) : showMain();
  }
  const found = await find(main, name);
  if (!found) {
    if (help) return showMain();
    // Not ours: the Unjucks generator's (generate, new, ...), with its own options, untouched.
    const code = await forwardToGenerator(argv, process.cwd());
    if (code !== null) return void (process.exitCode = code);
    throw new CliError(
      `unknown command "${name}"; commands such as generate and new belong to the Unjucks generator: install it in this project and \`unjucks ${name}\` is handed to it\n${await usage(main, epilogue)}`,
    );
  }
  const [key, cmd] = found;
  if (help) return print(await usageOf(main, key, cmd));
  checkOptions(await value(cmd.args ?? {}), rest, `unjucks ${key} --help`);
  await runCommand(main, { rawArgs: [key, ...rest] });
}

/** Runs `unjucks` with these arguments; on an error, prints one line (and {"error"} with --json) and exits non-zero. */
export async function runCli(main: Command, argv: string[], epilogue: string): Promise<void> {
  try {
    await dispatch(main, argv, epilogue);
  } catch (e) {
    const message = e instanceof CliError ? e.message : `unexpected error: ${(e as Error)?.stack ?? e}`;
    if (argv.includes('--json')) console.log(JSON.stringify({ error: message, ...(e instanceof RegistryError && e.code ? { code: e.code } : {}) }));
    console.error(`unjucks: ${message}`);
    process.exit((e as CliError).exitCode ?? 1);
  }
}
