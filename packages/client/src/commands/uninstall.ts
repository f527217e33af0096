import { defineCommand } from 'citty';
import { commonArgs, dirArg, emit } from '../command-kit.js';
import { resolveSettings } from '../config.js';
import { CliError } from '../errors.js';

export default defineCommand({
  meta: { name: 'uninstall', description: 'remove packages and the dependencies nothing else needs; files you changed stay' },
  args: {
    ...commonArgs,
    names: { type: 'positional', required: false, valueHint: 'name...', description: 'the packages to remove' },
    ...dirArg,
    'dry-run': { type: 'boolean', description: 'show what would be removed; remove nothing' },
  },
  async run({ args }) {
    await resolveSettings(args); // a broken config file or --registry fails here as in every other command
    if (!args._.length) throw new CliError('usage: unjucks uninstall <name>...');
    const [{ uninstall }, { formatRemoved }, { parsePackageArg }] = await Promise.all([
      import('../uninstall.js'),
      import('../install.js'),
      import('../spec.js'),
    ]);
    const r = await uninstall(
      args._.map((a) => parsePackageArg(a).name),
      { dir: args.dir ?? '.', dryRun: !!args['dry-run'] },
    );
    emit(args, r, () => r.forEach((p) => console.log(formatRemoved(p))));
  },
});
