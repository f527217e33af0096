import { defineCommand } from 'citty';
import { commonArgs, emit } from '../command-kit.js';
import { resolveSettings } from '../config.js';
import { CliError } from '../errors.js';

export default defineCommand({
  meta: { name: 'info', description: 'versions, dist-tags, dependencies, capabilities, generators and their variables' },
  args: {
    ...commonArgs,
    package: { type: 'positional', required: false, valueHint: 'name[@spec]', description: 'the package, and a version, range or dist-tag (default latest)' },
  },
  async run({ args }) {
    const settings = await resolveSettings(args);
    const [{ formatInfo, infoCommand }, { parsePackageArg }] = await Promise.all([import('../info.js'), import('../spec.js')]);
    if (!args.package) throw new CliError('usage: unjucks info <name>[@spec]');
    const r = await infoCommand(settings, parsePackageArg(args.package));
    emit(args, r, () => console.log(formatInfo(r)));
  },
});
