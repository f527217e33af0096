import { defineCommand } from 'citty';
import { commonArgs, emitOutput } from '../command-kit.js';
import { resolveSettings } from '../config.js';

export default defineCommand({
  meta: { name: 'reviews', description: "a package's staged and rejected versions with their approvals (maintainers)" },
  args: {
    ...commonArgs,
    package: { type: 'positional', required: false, valueHint: 'name', description: 'the package' },
  },
  async run({ args }) {
    const settings = await resolveSettings(args);
    const { runReviews } = await import('../approve.js');
    emitOutput(args, await runReviews(settings, args.package));
  },
});
