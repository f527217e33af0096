import { defineCommand } from 'citty';
import { commonArgs, emitOutput } from '../command-kit.js';
import { resolveSettings } from '../config.js';

export default defineCommand({
  meta: {
    name: 'unpublish',
    description:
      'remove a version (owners: within UNPUBLISH_WINDOW of publishing; admins: any time), or with --force every version; the numbers can never be used again',
  },
  args: {
    ...commonArgs,
    package: { type: 'positional', required: false, valueHint: 'name@version', description: 'the version to remove, or a name alone with --force' },
    force: { type: 'boolean', description: 'remove every version of the package' },
  },
  async run({ args }) {
    const settings = await resolveSettings(args);
    const { unpublishCommand } = await import('../unpublish.js');
    emitOutput(args, await unpublishCommand(settings, args.package, !!args.force));
  },
});
