import { defineCommand } from 'citty';
import { commonArgs, emitOutput } from '../command-kit.js';
import { resolveSettings } from '../config.js';

export default defineCommand({
  meta: { name: 'access', description: 'who holds which role on a package or a whole @scope, and whether it is public' },
  args: {
    ...commonArgs,
    op: {
      type: 'positional',
      required: false,
      valueHint: 'grant|revoke|ls|public|private <package or @scope> [user or org:team] [owner|maintainer|reader]',
      description: 'grant a role, revoke it, list the grants, or set the visibility',
    },
  },
  async run({ args }) {
    const settings = await resolveSettings(args);
    const { accessCommand } = await import('../accounts.js');
    emitOutput(args, await accessCommand(settings, args._));
  },
});
