import { defineCommand } from 'citty';
import { commonArgs, emit } from '../command-kit.js';
import { resolveSettings } from '../config.js';
import { CliError } from '../errors.js';

export default defineCommand({
  meta: { name: 'search', description: 'find packages; qualifiers: keyword: scope: author: generator: capability: -capability: is:deprecated' },
  args: {
    ...commonArgs,
    query: { type: 'positional', required: false, valueHint: 'words...', description: 'what to look for (every word counts)' },
    size: { type: 'string', valueHint: 'N', description: 'how many results, 1 to 250 (default 20)' },
  },
  async run({ args }) {
    const settings = await resolveSettings(args);
    const { formatSearch, searchCommand } = await import('../search.js');
    if (args._.length === 0) throw new CliError('usage: unjucks search <query> [--size N]');
    const r = await searchCommand(settings, { query: args._.join(' '), size: args.size ? Number(args.size) : 20 });
    const columns = process.stdout.columns || Number(process.env.COLUMNS) || 100;
    emit(args, r, () => console.log(formatSearch(r, columns)));
  },
});
