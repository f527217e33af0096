import { defineCommand } from 'citty';
import { commonArgs, emitOutput } from '../command-kit.js';
import { resolveSettings } from '../config.js';

export default defineCommand({
  meta: { name: 'org', description: 'orgs (an org owns the scope @NAME), their members and invitations' },
  args: {
    ...commonArgs,
    op: {
      type: 'positional',
      required: false,
      valueHint: 'create NAME | ls | member add|rm|ls ORG [USER] | invitations [ORG] | accept|decline ORG | uninvite ORG USER',
      description: 'member add invites (admins add directly); members join with org accept; invitations lists yours, or (owners) those an org sent',
    },
    role: { type: 'string', valueHint: 'owner|maintainer|reader', description: 'org member add: the role' },
  },
  async run({ args }) {
    const settings = await resolveSettings(args);
    const { orgCommand } = await import('../accounts.js');
    emitOutput(args, await orgCommand(settings, args._, args));
  },
});
