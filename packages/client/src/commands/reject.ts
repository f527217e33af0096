import { defineCommand } from 'citty';
import { commonArgs, emitOutput } from '../command-kit.js';
import { resolveSettings } from '../config.js';

export default defineCommand({
  meta: { name: 'reject', description: 'reject a staged version for good (its number stays taken)' },
  args: {
    ...commonArgs,
    version: { type: 'positional', required: false, valueHint: 'name@version', description: 'the staged version, as an exact version' },
    reason: { type: 'string', valueHint: 'WHY', description: 'why it is rejected; shown to the publisher and kept in the audit log' },
  },
  async run({ args }) {
    const settings = await resolveSettings(args);
    const { runReject } = await import('../approve.js');
    emitOutput(args, await runReject(settings, args.version, args.reason));
  },
});
