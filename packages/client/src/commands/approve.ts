import { defineCommand } from 'citty';
import { commonArgs, emitOutput } from '../command-kit.js';
import { resolveSettings } from '../config.js';

export default defineCommand({
  meta: { name: 'approve', description: 'approve a staged version (not your own); it goes live once enough maintainers approved' },
  args: {
    ...commonArgs,
    version: { type: 'positional', required: false, valueHint: 'name@version', description: 'the staged version, as an exact version' },
  },
  async run({ args }) {
    const settings = await resolveSettings(args);
    const { runApprove } = await import('../approve.js');
    emitOutput(args, await runApprove(settings, args.version));
  },
});
