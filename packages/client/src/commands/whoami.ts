import { defineCommand } from 'citty';
import { commonArgs, emitOutput } from '../command-kit.js';
import { resolveSettings } from '../config.js';

export default defineCommand({
  meta: { name: 'whoami', description: 'the user, token actions and orgs behind your token' },
  args: { ...commonArgs },
  async run({ args }) {
    const { whoamiCommand } = await import('../accounts.js');
    emitOutput(args, await whoamiCommand(await resolveSettings(args)));
  },
});
