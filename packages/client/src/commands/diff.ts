import { defineCommand } from 'citty';
import { commonArgs, emitOutput } from '../command-kit.js';
import { resolveSettings } from '../config.js';

export default defineCommand({
  meta: { name: 'diff', description: 'files added, removed and changed (with patches), and capability and finding changes, between two versions' },
  args: {
    ...commonArgs,
    from: { type: 'positional', required: false, valueHint: 'name@from', description: 'the earlier version' },
    to: { type: 'positional', required: false, valueHint: 'name@to', description: 'the later version (a staged one for its reviewers)' },
  },
  async run({ args }) {
    const settings = await resolveSettings(args);
    const { runDiff } = await import('../diff.js');
    emitOutput(args, await runDiff(settings, args._));
  },
});
