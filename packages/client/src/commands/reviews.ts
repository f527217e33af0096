import { defineCommand } from 'citty';
import { commonArgs, emitOutput } from '../command-kit.js';
import { resolveSettings } from '../config.js';

export default defineCommand({
  meta: {
    name: 'reviews',
    description:
      "a package's staged and rejected versions with their approvals (maintainers); how many approvals a package or an org (@org) requires, set with --require (owners)",
  },
  args: {
    ...commonArgs,
    package: { type: 'positional', required: false, valueHint: 'name | @org', description: 'the package, or an org for its floor' },
    require: { type: 'string', valueHint: 'N', description: 'set the approvals new versions need first (owners; 0 turns reviews off; an org sets a floor)' },
  },
  async run({ args }) {
    const settings = await resolveSettings(args);
    const { runReviews } = await import('../approve.js');
    emitOutput(args, await runReviews(settings, args.package, args.require));
  },
});
