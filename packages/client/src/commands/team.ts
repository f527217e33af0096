import { defineCommand } from 'citty';
import { commonArgs, emitOutput } from '../command-kit.js';
import { resolveSettings } from '../config.js';

export default defineCommand({
  meta: { name: 'team', description: 'teams inside an org, named ORG:TEAM (or ORG TEAM), and their members' },
  args: {
    ...commonArgs,
    op: { type: 'positional', required: false, valueHint: 'create|rm ORG:TEAM | ls ORG | member add|rm ORG:TEAM USER', description: 'what to do' },
  },
  async run({ args }) {
    const settings = await resolveSettings(args);
    const { teamCommand } = await import('../accounts.js');
    emitOutput(args, await teamCommand(settings, args._));
  },
});
